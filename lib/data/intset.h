/* placeholder API, replaced by the pack branch */
#ifndef SYNAP_INTSET_H
#define SYNAP_INTSET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct intset;
struct intset *intset_new(void);
void intset_free(struct intset *is);
uint32_t intset_len(const struct intset *is);
size_t intset_bytes(const struct intset *is);
struct intset *intset_add(struct intset *is, int64_t v, bool *added);
struct intset *intset_remove(struct intset *is, int64_t v, bool *removed);
bool intset_find(const struct intset *is, int64_t v);
int64_t intset_get(const struct intset *is, uint32_t i);
unsigned intset_width(const struct intset *is);
bool intset_valid(const unsigned char *p, size_t size);
#endif
