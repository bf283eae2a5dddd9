/* libFuzzer target: the HTTP request parser and the helpers the router
 * applies to what it returns. */
#include <stdlib.h>
#include <string.h>
#include "proto/http.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	size_t pos = 0;
	while (pos < size) {
		struct http_request r;
		int rc = http_parse(buf + pos, size - pos, 1 << 16, &r);
		if (rc != HTTP_PARSE_OK)
			break;
		if (r.total_len == 0 || r.total_len > size - pos)
			abort();
		char *out = malloc(r.path_len + 1);
		http_decode(r.path, r.path_len, out);
		free(out);
		if (r.query) {
			const char *v;
			size_t vlen;
			http_query_get(r.query, r.query_len, "ttl", &v, &vlen);
		}
		pos += r.total_len;
	}
	const char *nl = memchr(buf, '\n', size);
	http_is_request_line(buf, nl ? (size_t)(nl - buf) : size);
	free(buf);
	return 0;
}
