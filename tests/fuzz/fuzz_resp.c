/* libFuzzer target: the RESP request parser, fed the input in two pieces
 * (the split point is the first byte), then parsing commands to the end;
 * and the pipeline look-ahead (resp_peek_key), which must stay inside the
 * input and agree with the parser on where a command ends. */
#include <stdlib.h>
#include <string.h>
#include "proto/resp.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t split = data[0] % (size);
	char *buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	size_t len = size - 1, pos = 0;
	struct resp_parser p;
	resp_parser_init(&p, 1 << 20);
	size_t avail = split < len ? split : len;
	for (int rounds = 0; rounds < 10000; rounds++) {
		int rc = resp_parse(&p, buf + pos, avail - pos);
		if (rc == RESP_ERR)
			break;
		if (rc == RESP_AGAIN) {
			if (avail == len)
				break;
			avail = len;
			continue;
		}
		for (int i = 0; i < p.argc; i++)
			if (p.argv[i].off + p.argv[i].len > avail - pos)
				abort();        /* an argument outside the input */
		const char *key = NULL;
		size_t klen, peeked = resp_peek_key(buf + pos, avail - pos, &key, &klen);
		if (peeked > avail - pos || (klen && (key < buf + pos || key + klen > buf + pos + peeked)))
			abort();        /* the look-ahead outside the command */
		if (peeked && !p.is_inline && peeked != p.pos)
			abort();        /* the two disagree on the command's end */
		pos += p.pos;
		resp_parser_reset(&p);
		if (p.pos == 0 && pos >= avail && avail == len)
			break;
	}
	resp_parser_release(&p);
	free(buf);
	return 0;
}
