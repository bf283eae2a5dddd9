/* snapfile.h - snapshot files on disk: read one through the snapshot
 * reader (every reader handles plain and compressed files), load one into
 * a store. */
#ifndef SYNAP_SNAPFILE_H
#define SYNAP_SNAPFILE_H

#include "proto/snap.h"

struct store;

#define SNAPFILE_ERR_LEN 512

/* Called with the bytes read so far and the file size, for progress bars. */
typedef void snapfile_progress_fn(void *arg, uint64_t done, uint64_t total);

#define SNAPFILE_EIO (-2)

/* Reads path, calling fn for each item (flush after each run of them).
 * meta gets the header. 0; -1 when the snapshot is not valid (err names
 * the problem and the byte); SNAPFILE_EIO when it cannot be read. */
int snapfile_read(const char *path, snap_item_fn *fn, snap_flush_fn *flush, void *arg,
		  snapfile_progress_fn *progress, void *parg, struct snap_meta *meta,
		  uint64_t *keys, char err[SNAPFILE_ERR_LEN]);
/* The key count an uncompressed snapshot file's trailer claims, read
 * without reading the file, to size a store before loading it; 0 when it
 * cannot say (compressed, damaged, unreadable). Only a hint: loading
 * checks the real count. */
uint64_t snapfile_keys_hint(const char *path);
/* Loads path into s (which should be empty; it is sized first for the
 * file's keys, when the file says how many, plus extra keys the caller
 * will add next). */
int snapfile_load(const char *path, struct store *s, uint64_t extra, struct snap_meta *meta,
		  char err[SNAPFILE_ERR_LEN]);
/* Copies src to dst (through dst.tmp, fsynced, renamed). */
int snapfile_copy(const char *src, const char *dst, char err[SNAPFILE_ERR_LEN]);

#endif
