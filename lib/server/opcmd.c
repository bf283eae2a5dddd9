/* opcmd.c - an operation as the command that has its effect (opcmd.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/zset.h"
#include "server/opcmd.h"

/* An element op: its name in lowercase, the key, the elements (LINSERT's
 * in the command's order, ZADD's scores as text before their members). */
static void make_elems(struct opcmd *oc, const struct op *op)
{
	struct op_iter it;
	const char *p;
	size_t len, n = 0;
	int argc = 0;

	for (const char *s = op_name(op->type); *s && n < sizeof(oc->name) - 1; s++)
		oc->name[n++] = (char)(*s | 0x20);
	oc->argv = xmalloc(((size_t)op->nelems + 2) * sizeof(*oc->argv));
	oc->argv[argc++] = (struct arg){ oc->name, n };
	oc->argv[argc++] = (struct arg){ (char *)op->key, op->klen };
	op_iter_init(&it, op);
	if (op->type == OP_LINSERT) {
		/* pivot, element, "b" or "a": LINSERT key BEFORE|AFTER pivot element */
		const char *pivot, *elem, *where;
		size_t plen, elen, wlen;
		op_iter_next(&it, &pivot, &plen);
		op_iter_next(&it, &elem, &elen);
		op_iter_next(&it, &where, &wlen);
		oc->argv[argc++] = *where == 'b' ? (struct arg){ "before", 6 } : (struct arg){ "after", 5 };
		oc->argv[argc++] = (struct arg){ (char *)pivot, plen };
		oc->argv[argc++] = (struct arg){ (char *)elem, elen };
		oc->argc = argc;
		return;
	}
	if (op->type == OP_ZADD)
		oc->scores = xmalloc(op->nelems / 2 * sizeof(*oc->scores));
	while (op_iter_next(&it, &p, &len)) {
		if (oc->scores) {
			const char *sp;
			size_t sl;
			op_iter_next(&it, &sp, &sl);
			char *t = oc->scores[(argc - 2) / 2];
			oc->argv[argc++] = (struct arg){ t, (size_t)zscore_format(get_f64((const unsigned char *)sp), t) };
		}
		oc->argv[argc++] = (struct arg){ (char *)p, len };
	}
	oc->argc = argc;
}

void opcmd_make(struct opcmd *oc, const struct op *op)
{
	struct arg *argv = oc->small;
	int argc = 0;

	oc->scores = NULL;
	if (op_has_elems(op->type)) {
		make_elems(oc, op);
		return;
	}
#define ARG(p_, len_) (argv[argc++] = (struct arg){ (char *)(p_), (len_) })
#define LIT(s_) ARG((s_), strlen(s_))
#define NUM(v_) ARG(oc->num, (size_t)snprintf(oc->num, sizeof(oc->num), "%lld", (long long)(v_)))
	switch (op->type) {
	case OP_SET:
		LIT("set"), ARG(op->key, op->klen), ARG(op->val, op->vlen);
		if (op->at_ms)
			LIT("PXAT"), NUM(op->at_ms);
		break;
	case OP_DEL:
		LIT("del"), ARG(op->key, op->klen);
		break;
	case OP_EXPIRE:
		LIT("pexpireat"), ARG(op->key, op->klen), NUM(op->at_ms);
		break;
	case OP_PERSIST:
		LIT("persist"), ARG(op->key, op->klen);
		break;
	case OP_FLUSHALL:
		LIT("flushall");
		break;
	case OP_APPEND:
		LIT("append"), ARG(op->key, op->klen), ARG(op->val, op->vlen);
		break;
	case OP_RENAME:
		LIT("rename"), ARG(op->key, op->klen), ARG(op->val, op->vlen);
		break;
	case OP_PUBLISH:
		LIT("publish"), ARG(op->key, op->klen), ARG(op->val, op->vlen);
		break;
	case OP_SETRANGE:
		LIT("setrange"), ARG(op->key, op->klen), NUM(op->at_ms), ARG(op->val, op->vlen);
		break;
	case OP_LPOP:
	case OP_RPOP:
		LIT(op->type == OP_LPOP ? "lpop" : "rpop"), ARG(op->key, op->klen), NUM(op->at_ms);
		break;
	case OP_LSET:
		LIT("lset"), ARG(op->key, op->klen), NUM(op->at_ms), ARG(op->val, op->vlen);
		break;
	case OP_LREM:
		LIT("lrem"), ARG(op->key, op->klen), NUM(op->at_ms), ARG(op->val, op->vlen);
		break;
	default:
		LIT(op_name(op->type));
	}
#undef ARG
#undef LIT
#undef NUM
	oc->argv = oc->small;
	oc->argc = argc;
}

void opcmd_release(struct opcmd *oc)
{
	if (oc->argv != oc->small)
		free(oc->argv);
	free(oc->scores);
	oc->argv = NULL;
	oc->scores = NULL;
}
