/* notify.c - the keys an operation touches, for the clients that care. */
#include "data/db.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/watch.h"

void notify_op(struct server *s, const struct op *op)
{
	switch (op->type) {
	case OP_SET:
	case OP_APPEND:
	case OP_EXPIRE:
	case OP_PERSIST:
	case OP_SETRANGE:
		watch_touch(s, op->key, op->klen, false);
		break;
	case OP_DEL:
		watch_touch(s, op->key, op->klen, true);
		break;
	case OP_RENAME:
		watch_touch(s, op->key, op->klen, true);
		watch_touch(s, op->val, op->vlen, false);
		break;
	case OP_FLUSHALL:
		watch_touch_all(s, s->db->store);
		break;
	case OP_PUBLISH:
		break;
	}
}
