/* libFuzzer target: replication frames and the operations inside OPS. */
#include <stdlib.h>
#include <string.h>
#include "proto/frame.h"
#include "data/op.h"
#include "data/store.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct store *s = store_new();
	size_t pos = 0;
	while (pos < size) {
		struct frame f;
		size_t used;
		if (frame_next(data + pos, size - pos, 1 << 20, &f, &used) != 1)
			break;
		struct hello h;
		char replid[41], text[64];
		uint64_t a, b, c, d;
		uint32_t u;
		uint16_t code;
		const unsigned char *ops;
		size_t len;
		switch (f.type) {
		case FRAME_HELLO: frame_parse_hello(&f, &h); break;
		case FRAME_FULLSYNC: frame_parse_fullsync(&f, replid, &a, &b, &c, &d); break;
		case FRAME_CONTINUE: frame_parse_continue(&f, replid, &a, &b); break;
		case FRAME_PING: frame_parse_ping(&f, &a, &b, &u); break;
		case FRAME_ACK: frame_parse_ack(&f, &a, &b); break;
		case FRAME_ERROR: frame_parse_error(&f, &code, text, sizeof(text)); break;
		case FRAME_OPS:
			if (frame_parse_ops(&f, &a, &u, &ops, &len) == 0) {
				for (uint32_t i = 0; i < u && len; i++) {
					struct op op;
					long n = op_decode(ops, len, len, &op);
					if (n <= 0)
						break;
					/* A SETRANGE may validly reach STORE_MAX_VALUE (4 GB):
					 * decoded, but applied only within the fuzzer's memory. */
					if (op.type != OP_SETRANGE || (uint64_t)op.at_ms + op.vlen <= (1u << 20))
						op_apply(s, &op);
					ops += n;
					len -= (size_t)n;
				}
			}
			break;
		}
		pos += used;
	}
	store_free(s);
	return 0;
}
