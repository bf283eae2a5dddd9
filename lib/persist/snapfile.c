/* snapfile.c - reading, loading and copying snapshot files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "persist/snapfile.h"
#include "data/snapload.h"
#include "data/store.h"

#define CHUNK (1 << 16)

int snapfile_read(const char *path, snap_item_fn *fn, snap_flush_fn *flush, void *arg,
		  snapfile_progress_fn *progress, void *parg, struct snap_meta *meta,
		  uint64_t *keys, char err[SNAPFILE_ERR_LEN])
{
	struct snap_reader r;
	struct stat st;
	char *buf;
	int rc = 0;
	uint64_t done = 0;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, SNAPFILE_ERR_LEN, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SNAPFILE_EIO;
	}
	buf = xmalloc(CHUNK);
	snap_reader_init(&r, fn, arg, STORE_MAX_KEY, STORE_MAX_VALUE);
	r.flush = flush;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, SNAPFILE_ERR_LEN, "%s: %s", path, strerror(errno));
			rc = SNAPFILE_EIO;
			break;
		}
		if (n == 0) {
			if (snap_finish(&r) < 0) {
				snprintf(err, SNAPFILE_ERR_LEN, "%s: %s", path, r.err);
				rc = -1;
			}
			break;
		}
		done += (uint64_t)n;
		if (snap_feed(&r, buf, (size_t)n) < 0) {
			snprintf(err, SNAPFILE_ERR_LEN, "%s: %s", path, r.err);
			rc = -1;
			break;
		}
		if (progress)
			progress(parg, done, (uint64_t)st.st_size);
	}
	if (meta)
		*meta = r.meta;
	if (keys)
		*keys = r.keys;
	snap_reader_release(&r);
	free(buf);
	close(fd);
	return rc;
}

uint64_t snapfile_keys_hint(const char *path)
{
	unsigned char head[SNAP_HEADER_LEN], tail[13];
	struct stat st;
	uint64_t keys = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 0;
	}
	if (st.st_size >= SNAP_HEADER_LEN + (off_t)sizeof(tail) &&
	    pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
	    memcmp(head, SNAP_MAGIC, 8) == 0 && !(((head[10] << 8) | head[11]) & SNAP_FLAG_ZLIB) &&
	    pread(fd, tail, sizeof(tail), st.st_size - (off_t)sizeof(tail)) == (ssize_t)sizeof(tail) &&
	    tail[0] == SNAP_REC_END)
		keys = get_u64(tail + 1);
	/* A damaged trailer must not size a table: no more entries than the
	 * body can hold (an entry takes 17 bytes at the least). */
	uint64_t most = st.st_size > SNAP_HEADER_LEN ? ((uint64_t)st.st_size - SNAP_HEADER_LEN) / 17 : 0;
	if (keys > most)
		keys = 0;
	close(fd);
	return keys;
}

int snapfile_load(const char *path, struct store *s, uint64_t extra, struct snap_meta *meta,
		  char err[SNAPFILE_ERR_LEN])
{
	struct snapload sl;
	uint64_t hint = snapfile_keys_hint(path) + extra;

	/* Sized once, not grown by rehashing through every doubling. */
	store_reserve(s, hint < (1ull << 31) ? (size_t)hint : 0);
	snapload_init(&sl, s);
	int rc = snapfile_read(path, snapload_item, snapload_flush, &sl, NULL, NULL, meta, NULL, err);
	snapload_release(&sl);
	return rc;
}

int snapfile_copy(const char *src, const char *dst, char err[SNAPFILE_ERR_LEN])
{
	char tmp[4096], *buf = NULL;
	int in = -1, out = -1, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in < 0 || out < 0) {
		snprintf(err, SNAPFILE_ERR_LEN, "%.400s: %s", in < 0 ? src : tmp, strerror(errno));
		goto out;
	}
	buf = xmalloc(CHUNK);
	for (;;) {
		ssize_t n = read(in, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, SNAPFILE_ERR_LEN, "%s: %s", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				snprintf(err, SNAPFILE_ERR_LEN, "%.400s: %s", tmp, strerror(errno));
				goto out;
			}
			off += w;
		}
	}
	if (fsync(out) < 0 || rename(tmp, dst) < 0) {
		snprintf(err, SNAPFILE_ERR_LEN, "%s: %s", dst, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(buf);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (rc < 0)
		unlink(tmp);
	return rc;
}
