/* libFuzzer target: the tools' RESP reply reader (respclient), reading
 * reply after reply to the end of the input; each reply must lie inside
 * the bytes it was given, and every prefix of a whole reply must ask for
 * more rather than answer something else. */
#include <stdlib.h>
#include <string.h>
#include "proto/respclient.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	char err[RC_ERR_LEN];
	size_t pos = 0;

	memcpy(buf, data, size);
	while (pos < size) {
		struct rc_reply r;
		size_t used = 0;
		int rc = rc_parse(buf + pos, size - pos, &r, &used, err);
		if (rc != RC_PARSE_OK)
			break;
		if (used == 0 || used > size - pos)
			abort();
		if ((r.type == RC_BULK || r.type == RC_STATUS || r.type == RC_ERROR) &&
		    (r.str < buf + pos || r.str + r.len > buf + pos + used))
			abort();
		for (size_t n = used > 64 ? used - 64 : 0; n < used; n++) {
			struct rc_reply p;
			size_t u;
			if (rc_parse(buf + pos, n, &p, &u, err) != RC_PARSE_AGAIN)
				abort();
		}
		pos += used;
	}
	free(buf);
	return 0;
}
