/* libFuzzer target: the YAML configuration loader (strict). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/conf.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char path[] = "/tmp/synap-fuzz-conf-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct conf c;
	char err[CONF_ERR_LEN];
	conf_init(&c, ROLE_MASTER);
	if (conf_load(&c, path, err) == 0)
		conf_check(&c, err);
	conf_release(&c);
	unlink(path);
	return 0;
}
