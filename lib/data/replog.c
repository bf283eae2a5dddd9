/* replog.c - chunked circular replication log. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/replog.h"

/* Blocks are huge pages (see xmap_huge): filling the log at full speed does
 * not fault a page per 4 KB. Only the tail block is ever written, so after
 * a fork (snapshots) copy-on-write copies at most one block of the log. */
#define BLOCK_SIZE HUGE_PAGE

struct slot {
	uint32_t pos;           /* byte position of the op in the block */
	uint32_t mono_ms;       /* low 32 bits of the monotonic ms it was appended */
};

struct block {
	struct block *next;
	uint64_t first;         /* offset of the first op */
	uint32_t count;
	uint32_t slots_cap;
	struct slot *slots;
	size_t used, cap;
	unsigned char *data;
};

struct replog {
	struct block *head, *tail;
	struct block *spare;    /* a trimmed block kept for reuse: no page faults in steady state */
	uint64_t next;          /* offset of the next op appended */
	uint64_t first;         /* logical first offset held */
	uint64_t capacity;
	size_t max_bytes;
	size_t bytes;           /* data + index of all blocks */
	/* The window the limits allow: from soft_first, in the blocks from
	 * vhead on (vbytes of them). Without a pin it is the log; with one,
	 * the blocks before vhead that hold ops from pin on stay too. */
	struct block *vhead;
	uint64_t soft_first;
	size_t vbytes;
	uint64_t pin;           /* 0: none; else ops from pin on are kept */
};

/* The coarse clock costs a few ns; lag is reported in ms anyway. */
static uint32_t coarse_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static size_t block_bytes(const struct block *b)
{
	return b->cap + b->slots_cap * sizeof(struct slot) + sizeof(*b);
}

static void block_free(struct block *b)
{
	xunmap(b->data, b->cap);
	free(b->slots);
	free(b);
}

struct replog *replog_new(uint64_t next, uint64_t capacity, size_t max_bytes)
{
	struct replog *l = xcalloc(1, sizeof(*l));
	l->next = l->first = l->soft_first = next;
	l->capacity = capacity ? capacity : 1;
	l->max_bytes = max_bytes;
	return l;
}

static void drop_all(struct replog *l)
{
	while (l->head) {
		struct block *b = l->head;
		l->head = b->next;
		block_free(b);
	}
	l->tail = l->vhead = NULL;
	l->bytes = l->vbytes = 0;
	if (l->spare) {
		block_free(l->spare);
		l->spare = NULL;
	}
}

/* Keeps one standard block for the next new_block(); frees the rest. */
static void retire(struct replog *l, struct block *b)
{
	if (!l->spare && b->cap == BLOCK_SIZE) {
		l->spare = b;
		return;
	}
	block_free(b);
}

void replog_free(struct replog *l)
{
	if (!l)
		return;
	drop_all(l);
	free(l);
}

void replog_reset(struct replog *l, uint64_t next)
{
	drop_all(l);
	l->next = l->first = l->soft_first = next;
	l->pin = 0;     /* a pin named a point of the history just forgotten */
}

uint64_t replog_first(const struct replog *l) { return l->first; }
uint64_t replog_last(const struct replog *l) { return l->next - 1; }
size_t replog_bytes(const struct replog *l) { return l->bytes; }
uint64_t replog_count(const struct replog *l) { return l->next - l->first; }

bool replog_covers_after(const struct replog *l, uint64_t offset)
{
	return offset + 1 >= l->first && offset <= l->next - 1;
}

/* Moves the window the limits allow (capacity, max_bytes) past the oldest
 * ops, then frees the head blocks wholly before both that window and the
 * pin. Without a pin the two windows are one. O(1) amortised per append. */
static void trim(struct replog *l)
{
	if (l->next - l->soft_first > l->capacity)
		l->soft_first = l->next - l->capacity;
	while (l->vhead && l->vhead != l->tail) {
		struct block *b = l->vhead;
		if (b->first + b->count > l->soft_first && l->vbytes <= l->max_bytes)
			break;
		l->vbytes -= block_bytes(b);
		l->vhead = b->next;
		if (l->soft_first < l->vhead->first)
			l->soft_first = l->vhead->first;
	}
	uint64_t keep = l->pin && l->pin < l->soft_first ? l->pin : l->soft_first;
	if (keep > l->first)
		l->first = keep;
	while (l->head != l->vhead && l->head->first + l->head->count <= l->first) {
		struct block *b = l->head;
		l->head = b->next;
		l->bytes -= block_bytes(b);
		retire(l, b);
	}
}

static struct block *new_block(struct replog *l, size_t need)
{
	struct block *b;

	if (l->spare && need <= BLOCK_SIZE) {
		b = l->spare;
		l->spare = NULL;
		b->next = NULL;
		b->count = 0;
		b->used = 0;
	} else {
		b = xcalloc(1, sizeof(*b));
		b->cap = huge_round(need > BLOCK_SIZE ? need : BLOCK_SIZE);
		b->data = xmap_huge(b->cap);
	}
	b->first = l->next;
	if (l->tail)
		l->tail->next = b;
	else
		l->head = b;
	l->tail = b;
	if (!l->vhead)
		l->vhead = b;
	l->bytes += block_bytes(b);
	l->vbytes += block_bytes(b);
	return b;
}

void replog_append(struct replog *l, const struct op *op, uint64_t offset)
{
	size_t n = op_wire_size(op);
	struct block *b = l->tail;

	if (offset != l->next) {
		/* A jump in offsets cannot be served from the log: start over. */
		replog_reset(l, offset);
		b = NULL;
	}
	if (!b || b->cap - b->used < n)
		b = new_block(l, n);
	if (b->count == b->slots_cap) {
		uint32_t cap = b->slots_cap ? b->slots_cap * 2 : 4096;
		/* the tail is always inside the window the limits allow */
		l->bytes += (cap - b->slots_cap) * sizeof(struct slot);
		l->vbytes += (cap - b->slots_cap) * sizeof(struct slot);
		b->slots = xrealloc(b->slots, cap * sizeof(struct slot));
		b->slots_cap = cap;
	}
	b->slots[b->count].pos = (uint32_t)b->used;
	b->slots[b->count].mono_ms = coarse_ms();
	op_encode_to(b->data + b->used, op);
	b->used += n;
	b->count++;
	l->next++;
	trim(l);
}

void replog_set_limits(struct replog *l, uint64_t capacity, size_t max_bytes)
{
	l->capacity = capacity ? capacity : 1;
	l->max_bytes = max_bytes;
	trim(l);
}

void replog_set_pin(struct replog *l, uint64_t offset)
{
	l->pin = offset;
	trim(l);
}

uint64_t replog_pin(const struct replog *l) { return l->pin; }
uint64_t replog_pinned_count(const struct replog *l) { return l->soft_first - l->first; }
size_t replog_pinned_bytes(const struct replog *l) { return l->bytes - l->vbytes; }
uint64_t replog_soft_first(const struct replog *l) { return l->soft_first; }

static struct block *find_block(const struct replog *l, uint64_t offset, uint32_t *idx)
{
	if (offset < l->first || offset >= l->next)
		return NULL;
	/* Links streaming live read from the tail: look there first. */
	if (offset >= l->tail->first) {
		*idx = (uint32_t)(offset - l->tail->first);
		return l->tail;
	}
	for (struct block *b = l->head; b; b = b->next) {
		if (offset < b->first + b->count) {
			*idx = (uint32_t)(offset - b->first);
			return b;
		}
	}
	return NULL;
}

uint32_t replog_peek(const struct replog *l, uint64_t offset, uint64_t last, size_t max,
		     const unsigned char **p, size_t *len)
{
	uint32_t i;
	struct block *b = find_block(l, offset, &i);

	if (!b || offset > last)
		return 0;
	size_t start = b->slots[i].pos;
	uint32_t n = 1;
	/* Whole ops while they fit in max (the first one always goes). */
	while (i + n < b->count && offset + n <= last) {
		size_t next_end = i + n + 1 < b->count ? b->slots[i + n + 1].pos : b->used;
		if (next_end - start > max)
			break;
		n++;
	}
	size_t end = i + n < b->count ? b->slots[i + n].pos : b->used;
	*p = b->data + start;
	*len = end - start;
	return n;
}

size_t replog_bytes_after(const struct replog *l, uint64_t offset)
{
	uint32_t i;
	struct block *b = find_block(l, offset + 1, &i);
	size_t n = 0;

	if (!b)
		return 0;
	n = b->used - b->slots[i].pos;
	for (b = b->next; b; b = b->next)
		n += b->used;
	return n;
}

int64_t replog_age_ms(const struct replog *l, uint64_t offset)
{
	uint32_t i;
	struct block *b = find_block(l, offset, &i);

	if (!b)
		return 0;
	return (int64_t)(uint32_t)(coarse_ms() - b->slots[i].mono_ms);
}
