/* libFuzzer target: control socket requests, each line run against a
 * standalone node that listens nowhere. */
#include <stdlib.h>
#include <string.h>
#include "server/control.h"
#include "core/log.h"
#include "node.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static struct node node;
static struct conf conf;
static bool ready;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[NODE_ERR_LEN];
	if (!ready) {
		log_init("fuzz", LOG_ERROR);
		conf_init(&conf, ROLE_STANDALONE);
		conf.role = ROLE_STANDALONE;
		if (node_init(&node, "fuzz", &conf, err) < 0)
			abort();
		ready = true;
	}
	struct buf out;
	buf_init(&out);
	size_t start = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			/* LOAD would read files the input names: not this target's business. */
			if (!(i - start >= 4 && strncasecmp((const char *)data + start, "LOAD", 4) == 0))
				control_execute(&node.srv, (const char *)data + start, i - start, &out);
			start = i + 1;
		}
	}
	log_set_level(LOG_ERROR);       /* LOGLEVEL debug would slow the run down */
	if (out.len && out.data[out.len - 1] != '\n')
		abort();        /* every reply is whole lines */
	buf_release(&out);
	return 0;
}
