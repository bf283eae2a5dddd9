/* redact.c - the passwords in a command's arguments. */
#include "server/redact.h"

static bool is(const struct arg *a, const char *lit)
{
	return eq_nocase(a->p, a->len, lit);
}

bool redact_arg(const struct arg *argv, int argc, int i)
{
	if (i <= 0 || i >= argc)
		return false;
	if (is(&argv[0], "auth"))
		return true;
	if (is(&argv[0], "hello")) {
		/* HELLO protover [AUTH username password] [SETNAME name]: hidden
		 * even when the command then fails, unlike a refused protover in
		 * Redis, which shows them. */
		for (int j = 2; j < i; j++)
			if (is(&argv[j], "AUTH") && i <= j + 2)
				return true;
		return false;
	}
	if (is(&argv[0], "config") && argc >= 4 && is(&argv[1], "SET") && i >= 3 && i % 2 == 1)
		return is(&argv[i - 1], "requirepass") || is(&argv[i - 1], "masterauth");
	return false;
}
