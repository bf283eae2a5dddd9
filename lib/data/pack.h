/* placeholder API, replaced by the pack branch */
#ifndef SYNAP_PACK_H
#define SYNAP_PACK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#define PACK_END UINT32_MAX
unsigned char *pack_new(void);
void pack_free(unsigned char *p);
uint32_t pack_count(const unsigned char *p);
uint32_t pack_bytes(const unsigned char *p);
uint32_t pack_first(const unsigned char *p);
uint32_t pack_last(const unsigned char *p);
uint32_t pack_next(const unsigned char *p, uint32_t pos);
uint32_t pack_prev(const unsigned char *p, uint32_t pos);
const char *pack_get(const unsigned char *p, uint32_t pos, uint32_t *len);
uint32_t pack_index(const unsigned char *p, long i);
uint32_t pack_find(const unsigned char *p, uint32_t from, const char *s, uint32_t len, unsigned step);
unsigned char *pack_append(unsigned char *p, const char *s, uint32_t len);
unsigned char *pack_prepend(unsigned char *p, const char *s, uint32_t len);
unsigned char *pack_insert(unsigned char *p, uint32_t pos, const char *s, uint32_t len);
unsigned char *pack_replace(unsigned char *p, uint32_t pos, const char *s, uint32_t len);
unsigned char *pack_delete(unsigned char *p, uint32_t pos, uint32_t n);
bool pack_valid(const unsigned char *p, size_t size);
#endif
