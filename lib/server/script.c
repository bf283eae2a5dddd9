/* script.c - Lua scripts (script.h). */
#include <ctype.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sha1.h"
#include "repl/repl.h"
#include "server/client.h"
#include "server/command.h"
#include "server/monitor.h"
#include "server/script.h"
#include "server/tracking.h"

#define FUNCS "synap_scripts"           /* registry: sha -> compiled function */
#define NO_WRITES "synap_no_writes"     /* registry: sha -> true for flags=no-writes */
#define ERROR_HANDLER "synap_error_handler"
#define ENV "synap_env"                 /* registry: the scripts' environment */
#define MAX_DEPTH 200                   /* nesting of tables in a reply, either way */
#define HOOK_EVERY 100000               /* Lua instructions between looks at the clock */

struct scripts {
	lua_State *L;                   /* NULL until a script needs it (again, after FLUSH) */
	struct server *srv;
	struct client *fake;            /* runs the scripts' commands */
	struct buf reply;               /* its reply to the command running */
	struct arg *argv;
	int argv_cap;
	size_t count;                   /* scripts kept */

	/* the script running */
	struct client *caller;
	const char *sha;
	bool read_only;                 /* EVAL_RO, or flags=no-writes */
	int resp;                       /* redis.setresp */
	bool read;                      /* it ran a read command (the caller tracks its keys) */
	uint64_t offset0;               /* the node's offset when it began */
	int64_t started_ms, limit_ms;
	bool killed;                    /* SCRIPT KILL asked */
};

/* The one running now, for the count hook (which gets no argument). */
static struct scripts *running;

/* ---- Lua values from replies ---- */

/* Pushes the reply at p (one whole reply as the command layer writes it)
 * as Redis converts it for Lua; returns what follows it. */
static const char *push_reply(lua_State *L, const char *p, const char *end, int depth)
{
	const char *cr = memchr(p, '\r', (size_t)(end - p));
	if (!cr || depth > MAX_DEPTH || !lua_checkstack(L, 4)) {
		lua_pushboolean(L, 0);
		return end;
	}
	char type = *p;
	const char *line = p + 1, *next = cr + 2;
	size_t llen = (size_t)(cr - line);
	long long n = strtoll(line, NULL, 10);

	switch (type) {
	case '+':
	case '-':
		lua_newtable(L);
		lua_pushlstring(L, line, llen);
		lua_setfield(L, -2, type == '+' ? "ok" : "err");
		return next;
	case ':':
		lua_pushnumber(L, (lua_Number)n);
		return next;
	case '$':
		if (n < 0) {
			lua_pushboolean(L, 0);
			return next;
		}
		lua_pushlstring(L, next, (size_t)n);
		return next + n + 2;
	case '=':       /* verbatim: "txt:" and the text */
		lua_newtable(L);
		lua_newtable(L);
		lua_pushlstring(L, next, n >= 3 ? 3 : (size_t)n);
		lua_setfield(L, -2, "format");
		lua_pushlstring(L, next + (n >= 4 ? 4 : n), n >= 4 ? (size_t)n - 4 : 0);
		lua_setfield(L, -2, "string");
		lua_setfield(L, -2, "verbatim_string");
		return next + n + 2;
	case '_':
		lua_pushnil(L);
		return next;
	case '#':
		lua_pushboolean(L, *line == 't');
		return next;
	case ',':
		lua_newtable(L);
		lua_pushnumber(L, strtod(line, NULL));
		lua_setfield(L, -2, "double");
		return next;
	case '(':
		lua_newtable(L);
		lua_pushlstring(L, line, llen);
		lua_setfield(L, -2, "big_number");
		return next;
	case '|':       /* an attribute: skipped, the value follows */
		for (long long i = 0; i < 2 * n; i++) {
			next = push_reply(L, next, end, depth + 1);
			lua_pop(L, 1);
		}
		return push_reply(L, next, end, depth);
	case '*':
	case '>':
		if (n < 0) {
			lua_pushboolean(L, 0);
			return next;
		}
		lua_createtable(L, (int)n, 0);
		for (long long i = 0; i < n; i++) {
			next = push_reply(L, next, end, depth + 1);
			lua_rawseti(L, -2, (int)i + 1);
		}
		return next;
	case '~':       /* {set = {member = true, ...}} */
	case '%':       /* {map = {key = value, ...}} */
		lua_newtable(L);
		lua_newtable(L);
		for (long long i = 0; i < n; i++) {
			next = push_reply(L, next, end, depth + 1);
			if (type == '~')
				lua_pushboolean(L, 1);
			else
				next = push_reply(L, next, end, depth + 1);
			lua_rawset(L, -3);
		}
		lua_setfield(L, -2, type == '~' ? "set" : "map");
		return next;
	default:
		lua_pushboolean(L, 0);
		return end;
	}
}

/* ---- replies from Lua values ---- */

static void reply_value(struct client *c, lua_State *L, int script_resp, int depth);

/* The string field name of the table on top, or NULL. */
static const char *field_str(lua_State *L, const char *name, size_t *len)
{
	lua_pushstring(L, name);
	lua_rawget(L, -2);
	const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, len) : NULL;
	lua_pop(L, 1);          /* the table still holds it */
	return s;
}

/* Whether the table on top has a field name of type t; if so it is pushed. */
static bool field_of(lua_State *L, const char *name, int t)
{
	lua_pushstring(L, name);
	lua_rawget(L, -2);
	if (lua_type(L, -1) == t)
		return true;
	lua_pop(L, 1);
	return false;
}

/* len without the CRs and LFs that end s. */
static size_t without_crlf(const char *s, size_t len)
{
	while (len && (s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	return len;
}

/* An error reply of the text at s, one line, trailing CR LF dropped. */
static void reply_error_text(struct client *c, const char *s, size_t len)
{
	len = without_crlf(s, len);
	if (len && s[0] == '-') {
		s++;
		len--;
	}
	resp_error(R, "%.*s", (int)len, s);
}

static long long count_pairs(lua_State *L)
{
	long long n = 0;
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		n++;
	}
	return n;
}

static void reply_table(struct client *c, lua_State *L, int script_resp, int depth)
{
	const char *s;
	size_t len;

	if ((s = field_str(L, "err", &len))) {
		reply_error_text(c, s, len);
	} else if ((s = field_str(L, "ok", &len))) {
		buf_putc(R, '+');       /* the text on one line, as an error's */
		for (size_t i = 0; i < len; i++)
			buf_putc(R, s[i] == '\r' || s[i] == '\n' ? ' ' : s[i]);
		buf_append(R, "\r\n", 2);
	} else if (field_of(L, "double", LUA_TNUMBER)) {
		reply_double(c, lua_tonumber(L, -1));
		lua_pop(L, 1);
	} else if ((s = field_str(L, "big_number", &len))) {
		resp_bignum(R, s, len, c->resp);
	} else if (field_of(L, "map", LUA_TTABLE)) {
		reply_map(c, count_pairs(L));
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pushvalue(L, -2);
			reply_value(c, L, script_resp, depth + 1);   /* the key */
			lua_pop(L, 1);
			reply_value(c, L, script_resp, depth + 1);   /* the value */
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	} else if (field_of(L, "set", LUA_TTABLE)) {
		reply_set(c, count_pairs(L));
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			lua_pop(L, 1);
			lua_pushvalue(L, -1);
			reply_value(c, L, script_resp, depth + 1);
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	} else if (field_of(L, "verbatim_string", LUA_TTABLE)) {
		size_t flen = 0;
		const char *fmt = field_str(L, "format", &flen);
		s = field_str(L, "string", &len);
		if (fmt && s && flen == 3) {
			char f[4];
			memcpy(f, fmt, 3);
			f[3] = '\0';
			resp_verbatim(R, f, s, len, c->resp);
		} else {
			reply_null(c);
		}
		lua_pop(L, 1);
	} else {
		/* an array: the elements from 1 to the first nil */
		long long n = 0;
		for (;; n++) {
			lua_rawgeti(L, -1, (int)n + 1);
			bool nil = lua_isnil(L, -1);
			lua_pop(L, 1);
			if (nil)
				break;
		}
		resp_array(R, n);
		for (long long i = 0; i < n; i++) {
			lua_rawgeti(L, -1, (int)i + 1);
			reply_value(c, L, script_resp, depth + 1);
			lua_pop(L, 1);
		}
	}
}

/* The value on top of L's stack as Redis replies it to c, for a script
 * that used protocol script_resp (redis.setresp). */
static void reply_value(struct client *c, lua_State *L, int script_resp, int depth)
{
	size_t len;

	if (depth > MAX_DEPTH || !lua_checkstack(L, 8)) {
		resp_error(R, "ERR reached lua stack limit");
		return;
	}
	switch (lua_type(L, -1)) {
	case LUA_TSTRING: {
		const char *s = lua_tolstring(L, -1, &len);
		resp_bulk(R, s, len);
		break;
	}
	case LUA_TBOOLEAN:
		/* by the script's protocol (redis.setresp), as Redis */
		if (script_resp == RESP2 && lua_toboolean(L, -1))
			resp_int(R, 1);
		else if (script_resp == RESP2)
			reply_null(c);
		else
			reply_bool(c, lua_toboolean(L, -1));
		break;
	case LUA_TNUMBER:
		resp_int(R, (long long)lua_tonumber(L, -1));
		break;
	case LUA_TTABLE:
		reply_table(c, L, script_resp, depth);
		break;
	default:
		reply_null(c);
	}
}

/* ---- the redis table ---- */

static struct scripts *self(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

/* Pushes {err = msg} (redis.pcall's answer, error_reply's); 1. */
static int push_err(lua_State *L, const char *msg, size_t len)
{
	lua_newtable(L);
	lua_pushlstring(L, msg, len);
	lua_setfield(L, -2, "err");
	return 1;
}

/* Raises {err = msg}, as Redis raises a command's error. */
static int raise_err(lua_State *L, const char *msg, size_t len)
{
	push_err(L, msg, len);
	return lua_error(L);
}

static int raise_str(lua_State *L, const char *msg)
{
	return raise_err(L, msg, strlen(msg));
}

static int call(lua_State *L, bool raise)
{
	struct scripts *sc = self(L);
	struct server *s = sc->srv;
	int argc = lua_gettop(L);
	const char *bad = NULL;

	if (argc == 0)
		bad = "ERR Please specify at least one argument for this redis lib call";
	for (int i = 1; i <= argc && !bad; i++)
		if (lua_type(L, i) != LUA_TSTRING && lua_type(L, i) != LUA_TNUMBER)
			bad = "ERR Lua redis lib command arguments must be strings or integers";
	if (bad)
		return raise ? raise_str(L, bad) : push_err(L, bad, strlen(bad));
	if (argc > sc->argv_cap) {
		sc->argv_cap = argc;
		sc->argv = xrealloc(sc->argv, (size_t)argc * sizeof(*sc->argv));
	}
	for (int i = 1; i <= argc; i++) {
		size_t len;
		const char *p = lua_tolstring(L, i, &len);  /* a number becomes its text, in place */
		sc->argv[i - 1] = (struct arg){ (char *)p, len };
	}
	struct client *f = sc->fake;
	f->argv = sc->argv;
	f->argc = argc;
	f->resp = sc->resp;
	sc->reply.len = 0;
	uint64_t before = s->db->offset;
	const struct command *cmd = command_script_call(f, !sc->read_only);
	if (cmd && (cmd->flags & CMD_READ))
		sc->read = true;
	if (before == sc->offset0 && s->db->offset != before) {
		/* its first write: the caller's reply now answers a write
		 * (persistence's check) */
		command_mark_write(sc->caller);
	}
	const char *p = sc->reply.data, *end = p + sc->reply.len;
	if (sc->reply.len == 0) {
		lua_pushboolean(L, 0);
		return 1;
	}
	if (raise && p[0] == '-') {
		const char *cr = memchr(p, '\r', sc->reply.len);
		return raise_err(L, p + 1, (size_t)((cr ? cr : end) - p - 1));
	}
	push_reply(L, p, end, 0);
	return 1;
}

static int l_call(lua_State *L)
{
	return call(L, true);
}

static int l_pcall(lua_State *L)
{
	return call(L, false);
}

/* redis.error_reply(msg): {err = "CODE message"} from "[-]CODE message",
 * or {err = "ERR word"} from a single word, as Redis 7.0. */
#define WRONG_ARGS "ERR wrong number or type of arguments"

static int l_error_reply(lua_State *L)
{
	size_t len;
	if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING)
		return push_err(L, WRONG_ARGS, sizeof(WRONG_ARGS) - 1);
	const char *m = lua_tolstring(L, 1, &len);
	if (len && m[0] == '-') {
		m++;
		len--;
	}
	struct buf b;
	buf_init(&b);
	if (memchr(m, ' ', len))
		buf_append(&b, m, len);
	else
		buf_printf(&b, "ERR %.*s", (int)len, m);
	push_err(L, b.data ? b.data : "", without_crlf(b.data, b.len));
	buf_release(&b);
	return 1;
}

static int l_status_reply(lua_State *L)
{
	if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING)
		return push_err(L, WRONG_ARGS, sizeof(WRONG_ARGS) - 1);
	lua_newtable(L);
	lua_pushvalue(L, 1);
	lua_setfield(L, -2, "ok");
	return 1;
}

static int l_sha1hex(lua_State *L)
{
	size_t len;
	char hex[SHA1_HEX_LEN + 1];

	if (lua_gettop(L) != 1)
		return raise_str(L, "ERR wrong number of arguments");
	const char *s = lua_tolstring(L, 1, &len);
	sha1_hex(s ? s : "", s ? len : 0, hex);
	lua_pushstring(L, hex);
	return 1;
}

/* redis.log(level, message...): the arguments joined by spaces. */
static int l_log(lua_State *L)
{
	int argc = lua_gettop(L);
	if (argc < 2)
		return raise_str(L, "ERR redis.log() requires two arguments or more.");
	if (!lua_isnumber(L, 1))
		return raise_str(L, "ERR First argument must be a number (log level).");
	int level = (int)lua_tonumber(L, 1);
	if (level < 0 || level > 3)
		return raise_str(L, "ERR Invalid debug level.");
	struct buf b;
	buf_init(&b);
	for (int i = 2; i <= argc; i++) {
		size_t len;
		const char *s = lua_tolstring(L, i, &len);
		if (i > 2)
			buf_putc(&b, ' ');
		if (s)
			buf_append(&b, s, len);
	}
	static const enum log_level levels[] = { LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARN };
	log_msg(levels[level], "script: %.*s", (int)b.len, b.data ? b.data : "");
	buf_release(&b);
	return 0;
}

static int l_setresp(lua_State *L)
{
	struct scripts *sc = self(L);
	if (lua_gettop(L) != 1)
		return raise_str(L, "ERR redis.setresp() requires one argument.");
	int v = (int)lua_tonumber(L, 1);
	if (v != 2 && v != 3)
		return raise_str(L, "ERR RESP version must be 2 or 3.");
	sc->resp = v;
	return 0;
}

/* Every write of a script is replicated (the one write path): REPL_ALL
 * is the only choice. */
static int l_set_repl(lua_State *L)
{
	if (lua_gettop(L) != 1)
		return raise_str(L, "ERR redis.set_repl() requires one argument.");
	int flags = (int)lua_tonumber(L, 1);
	if (flags < 0 || flags > 3)
		return raise_str(L, "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
	if (flags != 3)
		return raise_str(L, "ERR Synap replicates and persists every write of a script: only REPL_ALL");
	return 0;
}

static int l_true(lua_State *L)
{
	lua_pushboolean(L, 1);
	return 1;
}

static int l_false(lua_State *L)
{
	lua_pushboolean(L, 0);
	return 1;
}

static int l_nothing(lua_State *L)
{
	(void)L;
	return 0;
}

/* ---- the state ---- */

/* Lua code run once per state. The error handler: an error becomes a
 * table with the script's source and line (the innermost frame of the
 * script itself), as Redis reports it. */
static const char ERROR_HANDLER_SRC[] =
	"local dbg = debug\n"
	"return function(err)\n"
	"  local level, i = 2, dbg.getinfo(2, 'nSl')\n"
	"  while i and i.source ~= '@user_script' do level = level + 1; i = dbg.getinfo(level, 'nSl') end\n"
	"  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end\n"
	"  if i then err['source'] = i.source; err['line'] = i.currentline end\n"
	"  return err\n"
	"end\n";

/* The sandbox, Redis's read-only tables by other means (Debian's Lua has
 * no read-only flag): scripts share one state, so none may change what
 * the next one finds. Scripts run with an environment that reads the
 * globals and writes nothing ("Attempt to modify a readonly table"), and
 * whose missing names are errors; the libraries are read-only proxies;
 * setmetatable and rawset refuse them; what reaches the real globals or
 * the registry (getfenv, setfenv, debug) is gone, and so are print,
 * loadfile and dofile; loadstring and load compile text only, into the
 * same environment. Returns the environment. */
static const char SANDBOX_SRC[] =
	"local G, error, rawget, rawset, setmetatable, setfenv, tostring, type, loadstring, load ="
	"  _G, error, rawget, rawset, setmetatable, setfenv, tostring, type, loadstring, load\n"
	"local proxies = setmetatable({}, {__mode = 'k'})\n"
	"local function deny() error('Attempt to modify a readonly table', 2) end\n"
	"local function readonly(t)\n"
	"  local p = setmetatable({}, {__index = t, __newindex = deny, __metatable = false})\n"
	"  proxies[p] = true\n"
	"  return p\n"
	"end\n"
	"for _, name in ipairs({'string', 'table', 'math', 'coroutine', 'redis'}) do\n"
	"  rawset(G, name, readonly(rawget(G, name)))\n"
	"end\n"
	"getmetatable('').__metatable = false\n"
	"local env = setmetatable({}, {__newindex = deny, __metatable = false, __index = function(t, n)\n"
	"  local v = rawget(G, n)\n"
	"  if v == nil then\n"
	"    error(\"Script attempted to access nonexistent global variable '\" .. tostring(n) .. \"'\", 2)\n"
	"  end\n"
	"  return v\n"
	"end})\n"
	"proxies[env] = true\n"
	"local function text_only(f, e)\n"
	"  if f then setfenv(f, env) end\n"
	"  return f, e\n"
	"end\n"
	"rawset(G, 'setmetatable', function(t, mt)\n"
	"  if proxies[t] then error('Attempt to modify a readonly table', 2) end\n"
	"  return setmetatable(t, mt)\n"
	"end)\n"
	"rawset(G, 'rawset', function(t, k, v)\n"
	"  if proxies[t] then error('Attempt to modify a readonly table', 2) end\n"
	"  return rawset(t, k, v)\n"
	"end)\n"
	"rawset(G, 'loadstring', function(s, name)\n"
	"  if type(s) == 'string' and s:sub(1, 1) == '\\27' then return nil, 'binary chunks are not allowed' end\n"
	"  return text_only(loadstring(s, name))\n"
	"end)\n"
	"rawset(G, 'load', function(f, name)\n"
	"  local first = true\n"
	"  return text_only(load(function()\n"
	"    local piece = f()\n"
	"    if first and type(piece) == 'string' and piece:sub(1, 1) == '\\27' then piece = nil end\n"
	"    first = false\n"
	"    return piece\n"
	"  end, name))\n"
	"end)\n"
	"for _, name in ipairs({'getfenv', 'setfenv', 'debug', 'print', 'loadfile', 'dofile', 'newproxy'}) do\n"
	"  rawset(G, name, nil)\n"
	"end\n"
	"rawset(G, '_G', env)\n"
	"return env\n";

static void open_lib(lua_State *L, const char *name, lua_CFunction fn)
{
	lua_pushcfunction(L, fn);
	lua_pushstring(L, name);
	lua_call(L, 1, 0);
}

static void set_int(lua_State *L, const char *name, int v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, name);
}

static void new_state(struct scripts *sc)
{
	static const luaL_Reg fns[] = {
		{ "call", l_call }, { "pcall", l_pcall }, { "error_reply", l_error_reply },
		{ "status_reply", l_status_reply }, { "sha1hex", l_sha1hex }, { "log", l_log },
		{ "setresp", l_setresp }, { "set_repl", l_set_repl }, { "replicate_commands", l_true },
		{ "breakpoint", l_false }, { "debug", l_nothing },
	};
	lua_State *L = luaL_newstate();
	if (!L) {
		log_error("cannot create a Lua state: out of memory");
		abort();
	}
	open_lib(L, "", luaopen_base);
	open_lib(L, LUA_TABLIBNAME, luaopen_table);
	open_lib(L, LUA_STRLIBNAME, luaopen_string);
	open_lib(L, LUA_MATHLIBNAME, luaopen_math);
	open_lib(L, LUA_DBLIBNAME, luaopen_debug);
	lua_newtable(L);
	for (size_t i = 0; i < ARRAY_LEN(fns); i++) {
		lua_pushlightuserdata(L, sc);
		lua_pushcclosure(L, fns[i].func, 1);
		lua_setfield(L, -2, fns[i].name);
	}
	set_int(L, "LOG_DEBUG", 0);
	set_int(L, "LOG_VERBOSE", 1);
	set_int(L, "LOG_NOTICE", 2);
	set_int(L, "LOG_WARNING", 3);
	set_int(L, "REPL_NONE", 0);
	set_int(L, "REPL_AOF", 1);
	set_int(L, "REPL_SLAVE", 2);
	set_int(L, "REPL_REPLICA", 2);
	set_int(L, "REPL_ALL", 3);
	lua_pushstring(L, "7.0.0");
	lua_setfield(L, -2, "REDIS_VERSION");
	set_int(L, "REDIS_VERSION_NUM", 0x070000);
	lua_setglobal(L, "redis");

	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, FUNCS);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, NO_WRITES);
	/* our own code: it compiles and runs, or this build is broken */
	if (luaL_loadstring(L, ERROR_HANDLER_SRC) || lua_pcall(L, 0, 1, 0)) {
		log_error("the scripts' error handler: %s", lua_tostring(L, -1));
		abort();
	}
	lua_setfield(L, LUA_REGISTRYINDEX, ERROR_HANDLER);
	if (luaL_loadstring(L, SANDBOX_SRC) || lua_pcall(L, 0, 1, 0)) {
		log_error("the scripts' sandbox: %s", lua_tostring(L, -1));
		abort();
	}
	lua_setfield(L, LUA_REGISTRYINDEX, ENV);
	sc->L = L;
}

static struct scripts *scripts_of(struct server *s)
{
	if (!s->scripts) {
		struct scripts *sc = xcalloc(1, sizeof(*sc));
		sc->srv = s;
		struct client *f = xcalloc(1, sizeof(*f));
		f->srv = s;
		f->conn.fd = -1;
		f->resp = RESP2;
		f->flags = CLIENT_AUTHED;
		f->in_exec = true;      /* blocking commands do not block, as in EXEC */
		f->reply = &sc->reply;
		f->created_ms = f->last_ms = time_ms();
		snprintf(f->addr, sizeof(f->addr), "lua");
		sc->fake = f;
		s->scripts = sc;
	}
	if (!s->scripts->L)
		new_state(s->scripts);
	return s->scripts;
}

/* ---- compiling and running ---- */

/* Whether the registry table (FUNCS, NO_WRITES) holds a true value for sha. */
static bool registry_true(lua_State *L, const char *table, const char *sha)
{
	lua_getfield(L, LUA_REGISTRYINDEX, table);
	lua_getfield(L, -1, sha);
	bool v = lua_toboolean(L, -1);
	lua_pop(L, 2);
	return v;
}

/* A script's name as given (EVALSHA, SCRIPT EXISTS) in out, lowercase;
 * false when it cannot be one (not 40 characters). */
static bool sha_of(const char *p, size_t len, char out[SHA1_HEX_LEN + 1])
{
	if (len != SHA1_HEX_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[len] = '\0';
	return true;
}

/* The body without a "#!lua" first line (its newline kept, so that lines
 * count as written), and its flags; false with c replied to on a bad one. */
static bool shebang(struct client *c, const char **body, size_t *len, bool *no_writes)
{
	const char *p = *body;
	*no_writes = false;
	if (*len < 2 || p[0] != '#' || p[1] != '!')
		return true;
	const char *nl = memchr(p, '\n', *len);
	size_t llen = nl ? (size_t)(nl - p) : *len;
	if (llen < 5 || memcmp(p, "#!lua", 5) != 0 || (llen > 5 && p[5] != ' ')) {
		resp_error(R, "ERR Unexpected engine in script shebang: %.*s", (int)(llen > 64 ? 64 : llen), p);
		return false;
	}
	for (size_t i = 5; i < llen;) {
		while (i < llen && p[i] == ' ')
			i++;
		size_t w = i;
		while (w < llen && p[w] != ' ')
			w++;
		if (w - i > 6 && memcmp(p + i, "flags=", 6) == 0) {
			for (size_t f = i + 6; f < w;) {
				size_t e = f;
				while (e < w && p[e] != ',')
					e++;
				static const char *const known[] = { "no-writes", "allow-oom", "allow-stale",
								     "no-cluster", "allow-cross-slot-keys" };
				bool ok = false;
				for (size_t k = 0; k < ARRAY_LEN(known) && !ok; k++)
					ok = strlen(known[k]) == e - f && memcmp(p + f, known[k], e - f) == 0;
				if (!ok) {
					resp_error(R, "ERR Unexpected flag in script shebang: %.*s", (int)(e - f), p + f);
					return false;
				}
				if (e - f == 9 && memcmp(p + f, "no-writes", 9) == 0)
					*no_writes = true;
				f = e + 1;
			}
		} else if (w > i) {
			resp_error(R, "ERR Unknown lua shebang option: %.*s", (int)(w - i), p + i);
			return false;
		}
		i = w;
	}
	*body = p + llen;
	*len -= llen;
	return true;
}

/* Compiles body as the function f_<sha> and keeps it, with its no-writes
 * flag; 0, or -1 with the error replied to c. */
static int compile(struct scripts *sc, struct client *c, const char *body, size_t len, const char *sha,
		   bool no_writes)
{
	lua_State *L = sc->L;

	if (registry_true(L, FUNCS, sha))
		return 0;
	struct buf src;
	buf_init(&src);
	buf_printf(&src, "function f_%s() ", sha);
	buf_append(&src, body, len);
	buf_puts(&src, "\nend");
	int rc = luaL_loadbuffer(L, src.data, src.len, "@user_script");
	buf_release(&src);
	if (rc) {
		resp_error(R, "ERR Error compiling script (new function): %s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return -1;
	}
	if (lua_pcall(L, 0, 0, 0)) {
		resp_error(R, "ERR Error running script (new function): %s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return -1;
	}
	/* from the global the chunk defined to the registry */
	char name[2 + SHA1_HEX_LEN + 1];
	snprintf(name, sizeof(name), "f_%s", sha);
	lua_getfield(L, LUA_REGISTRYINDEX, FUNCS);
	lua_pushstring(L, name);
	lua_rawget(L, LUA_GLOBALSINDEX);
	lua_getfield(L, LUA_REGISTRYINDEX, ENV);
	lua_setfenv(L, -2);             /* it runs in the sandbox */
	lua_setfield(L, -2, sha);
	lua_pop(L, 1);
	lua_pushstring(L, name);
	lua_pushnil(L);
	lua_rawset(L, LUA_GLOBALSINDEX);
	if (no_writes) {
		lua_getfield(L, LUA_REGISTRYINDEX, NO_WRITES);
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, sha);
		lua_pop(L, 1);
	}
	sc->count++;
	return 0;
}

/* Every HOOK_EVERY instructions, past lua-time-limit: the node serves
 * its other clients, BUSY to all but a few commands (clients_poll_busy);
 * the script ends there when SCRIPT KILL or SHUTDOWN NOSAVE asked (again
 * at each look, should it catch the error). */
static void hook(lua_State *L, lua_Debug *ar)
{
	struct scripts *sc = running;
	struct server *s = sc ? sc->srv : NULL;
	(void)ar;
	if (!sc || mono_ms() - sc->started_ms < sc->limit_ms)
		return;
	if (!s->busy_caller) {
		log_warn("Slow script detected: f_%s still in execution after %lld milliseconds. Replying BUSY to "
			 "other clients until it ends, or SCRIPT KILL (if it has written nothing), or SHUTDOWN NOSAVE.",
			 sc->sha, (long long)(mono_ms() - sc->started_ms));
		s->busy_caller = sc->caller;
	}
	clients_poll_busy(s);
	if (sc->killed) {
		static const char msg[] = "ERR Script killed by user with SCRIPT KILL...";
		raise_err(L, msg, sizeof(msg) - 1);
	}
	if (s->stopping) {
		static const char msg[] = "ERR Script killed by SHUTDOWN NOSAVE";
		raise_err(L, msg, sizeof(msg) - 1);
	}
}

void script_kill(struct client *c)
{
	struct scripts *sc = running;

	if (!sc || !c->srv->busy_caller) {
		resp_error(R, "NOTBUSY No scripts in execution right now.");
	} else if (sc->srv->db->offset != sc->offset0) {
		resp_error(R, "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
			      "can either wait the script termination or kill the server in a hard way using the "
			      "SHUTDOWN NOSAVE command.");
	} else {
		log_warn("script f_%s: killed by SCRIPT KILL from %s", sc->sha, c->addr);
		sc->killed = true;
		resp_ok(R);
	}
}

static void set_array(lua_State *L, const char *name, const struct arg *a, int n)
{
	lua_pushstring(L, name);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_pushlstring(L, a[i].p, a[i].len);
		lua_rawseti(L, -2, i + 1);
	}
	lua_rawset(L, LUA_GLOBALSINDEX);
}

/* The error a script ended with, on top of the stack, as Redis words it. */
static void reply_failure(struct client *c, lua_State *L, const char *sha)
{
	if (!lua_istable(L, -1)) {
		const char *m = lua_tostring(L, -1);
		resp_error(R, "ERR Error running script %s, %.100s", sha, m ? m : "execution failure");
		return;
	}
	size_t len = 0, slen = 0;
	const char *msg = field_str(L, "err", &len);
	const char *source = field_str(L, "source", &slen);
	lua_pushstring(L, "line");
	lua_rawget(L, -2);
	long long line = lua_isnumber(L, -1) ? (long long)lua_tonumber(L, -1) : -1;
	lua_pop(L, 1);
	struct buf b;
	buf_init(&b);
	if (msg)
		buf_append(&b, msg, without_crlf(msg, len));
	else
		buf_puts(&b, "ERR unknown error");
	if (source && line >= 0)
		buf_printf(&b, " script: %s, on %.*s:%lld.", sha, (int)slen, source, line);
	reply_error_text(c, b.data, b.len);
	buf_release(&b);
}

static void run(struct scripts *sc, struct client *c, const char *sha, const struct arg *keys, int nkeys,
		const struct arg *args, int nargs, bool read_only)
{
	lua_State *L = sc->L;
	struct server *s = sc->srv;

	lua_getfield(L, LUA_REGISTRYINDEX, ERROR_HANDLER);
	int handler = lua_gettop(L);
	lua_getfield(L, LUA_REGISTRYINDEX, FUNCS);
	lua_getfield(L, -1, sha);
	lua_remove(L, -2);
	set_array(L, "KEYS", keys, nkeys);
	set_array(L, "ARGV", args, nargs);
	sc->caller = c;
	sc->sha = sha;
	sc->read_only = read_only;
	sc->resp = RESP2;
	sc->read = sc->killed = false;
	sc->offset0 = s->db->offset;
	sc->started_ms = mono_ms();
	/* 0: never busy */
	sc->limit_ms = s->conf->lua_time_limit_ms > 0 ? s->conf->lua_time_limit_ms : INT64_MAX / 2;
	running = sc;
	lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
	int err = lua_pcall(L, 0, 1, handler);
	lua_sethook(L, NULL, 0, 0);
	running = NULL;
	if (s->busy_caller) {
		log_warn("Slow script f_%s ended after %lld milliseconds", sha, (long long)(mono_ms() - sc->started_ms));
		s->busy_caller = NULL;
	}
	if (err)
		reply_failure(c, L, sha);
	else
		reply_value(c, L, sc->resp, 0);
	lua_settop(L, 0);
	sc->caller = NULL;
	lua_gc(L, LUA_GCSTEP, 1);
	if (s->db->offset != sc->offset0) {
		c->woff = s->db->offset;
		memcpy(c->wreplid, s->repl->id.replid, sizeof(c->wreplid));
	}
}

/* ---- the commands' side ---- */

void script_eval(struct client *c, bool by_sha, bool read_only)
{
	long long nkeys;
	char sha[SHA1_HEX_LEN + 1];

	if (arg_ll(c, 2, &nkeys) < 0)
		return;
	if (nkeys < 0) {
		resp_error(R, "ERR Number of keys can't be negative");
		return;
	}
	if (nkeys > c->argc - 3) {
		resp_error(R, "ERR Number of keys can't be greater than number of args");
		return;
	}
	struct scripts *sc = scripts_of(c->srv);
	bool no_writes = false;
	/* MONITOR: the EVAL, then the commands it runs, as Redis */
	if (c->srv->nmonitors)
		monitor_feed(c);
	if (by_sha) {
		if (!sha_of(A(1).p, A(1).len, sha) || !registry_true(sc->L, FUNCS, sha)) {
			resp_error(R, "NOSCRIPT No matching script. Please use EVAL.");
			return;
		}
		no_writes = registry_true(sc->L, NO_WRITES, sha);
	} else {
		sha1_hex(A(1).p, A(1).len, sha);
		const char *body = A(1).p;
		size_t len = A(1).len;
		if (!shebang(c, &body, &len, &no_writes) || compile(sc, c, body, len, sha, no_writes) < 0)
			return;
	}
	run(sc, c, sha, c->argv + 3, (int)nkeys, c->argv + 3 + nkeys, c->argc - 3 - (int)nkeys,
	    read_only || no_writes);
	/* a client caching what it reads: a script that read tracks the keys
	 * it declared, as Redis */
	if (c->trk && sc->read && nkeys > 0)
		tracking_remember(c, 3, 2 + (int)nkeys, 1);
}

void script_load(struct client *c, const char *body, size_t len)
{
	char sha[SHA1_HEX_LEN + 1];
	bool no_writes;
	struct scripts *sc = scripts_of(c->srv);

	sha1_hex(body, len, sha);
	if (!shebang(c, &body, &len, &no_writes) || compile(sc, c, body, len, sha, no_writes) < 0)
		return;
	resp_bulk(R, sha, SHA1_HEX_LEN);
}

bool script_exists(struct server *s, const char *sha, size_t len)
{
	char low[SHA1_HEX_LEN + 1];

	return s->scripts && s->scripts->L && sha_of(sha, len, low) && registry_true(s->scripts->L, FUNCS, low);
}

void script_flush(struct server *s)
{
	struct scripts *sc = s->scripts;
	if (!sc || !sc->L)
		return;
	lua_close(sc->L);
	sc->L = NULL;
	sc->count = 0;
}

size_t script_count(const struct server *s)
{
	return s->scripts ? s->scripts->count : 0;
}

size_t script_memory(const struct server *s)
{
	if (!s->scripts || !s->scripts->L)
		return 0;
	lua_State *L = s->scripts->L;
	return (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB, 0);
}

void script_free(struct server *s)
{
	struct scripts *sc = s->scripts;
	if (!sc)
		return;
	script_flush(s);
	buf_release(&sc->reply);
	free(sc->argv);
	free(sc->fake);
	free(sc);
	s->scripts = NULL;
}
