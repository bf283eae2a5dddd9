/* httpapi.h - the HTTP routes of the client port. */
#ifndef SYNAP_HTTPAPI_H
#define SYNAP_HTTPAPI_H

#include <sys/types.h>
#include <stddef.h>

struct client;

/* Handles one request from p (the client's unprocessed input). Returns the
 * bytes used, 0 when the request is not complete, -1 when the connection
 * is to be closed after the reply (bad request). */
long httpapi_handle(struct client *c, char *p, size_t len);

#endif
