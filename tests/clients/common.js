// common.js - what the Node.js client scripts of tests/clients.bats share:
// their command line, the transcript they print and the bounds on waiting.
//
//   node LIB.js CHECK MASTER_PORT REPLICA_PORT [SPARE_PORT]
//
// A script runs one CHECK against a Synap master and its replica on
// 127.0.0.1 (and a check that needs one, a standalone master it may turn
// into a replica: SPARE_PORT) and prints a transcript, one line per step: a label, then what
// the client library returned (as JSON, so that a number and a string
// differ) or "!ErrorClass message" when it threw. tests/clients.bats
// compares the transcript with the one it expects. Exits 0 when the check
// ran to its end, 1 when it threw where no error was expected, 2 when the
// library cannot be loaded, 3 after DEADLINE_MS, 64 on a usage error.
"use strict";

const DEADLINE_MS = 20000;      // a whole check; bats gives a test 60 s
const POLL_TRIES = 200;         // polls of a replica, POLL_MS apart
const POLL_MS = 25;

// load NAME: require() the library, or exit 2 saying why.
function load(name) {
	try {
		return require(name);
	} catch (e) {
		process.stderr.write(`cannot load ${name}: ${e.message}\n`);
		process.exit(2);
	}
}

// errText ERROR: "!Class message" on one line.
const errText = (e) => `!${e.constructor.name} ${e.message.trimEnd().replace(/\n/g, "\\n")}`;

// fmt VALUE: the value as the transcript shows it.
function fmt(v) {
	if (v instanceof Error)
		return errText(v);
	if (v === undefined)
		return "undefined";
	if (Buffer.isBuffer(v))
		return `Buffer(${JSON.stringify(v.toString())})`;
	if (v instanceof Map)
		return `Map(${JSON.stringify([...v])})`;
	if (v instanceof Set)
		return `Set(${JSON.stringify([...v])})`;
	return JSON.stringify(v, (k, x) => (x instanceof Error ? errText(x) : x));
}

// show LABEL VALUE: one transcript line (without trailing blanks: Redis's
// "unknown command" error ends in one).
function show(label, v) {
	process.stdout.write(`${label} ${fmt(v)}`.trimEnd() + "\n");
}

// attempt LABEL PROMISE: shows what PROMISE resolves to, or the error it is
// rejected with; returns the value (undefined after an error).
async function attempt(label, p) {
	try {
		const v = await p;
		show(label, v);
		return v;
	} catch (e) {
		show(label, e);
		return undefined;
	}
}

// helloShown HELLO_REPLY: HELLO's reply as the library gives it (an
// object, a flat array of names and values, or GLIDE's {key, value} pairs),
// less the connection id and the server's version, which change.
function helloShown(h) {
	const drop = ["id", "version"];
	if (Array.isArray(h) && h.length && typeof h[0] === "object" && "key" in h[0])
		return h.filter((kv) => !drop.includes(kv.key));
	if (Array.isArray(h))
		return h.filter((x, i) => !(i % 2 === 0 ? drop.includes(x) : drop.includes(h[i - 1])));
	const shown = { ...h };
	for (const k of drop)
		delete shown[k];
	return shown;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// poll FN WANT: calls async FN until it returns WANT, at most POLL_TRIES
// times; returns the last value.
async function poll(fn, want) {
	let v;
	for (let i = 0; i < POLL_TRIES; i++) {
		v = await fn();
		if (v === want)
			break;
		await sleep(POLL_MS);
	}
	return v;
}

// ttlShown TTL: a TTL just set to 100 s shows as "99..100" (a second may
// have begun in between); any other value as itself.
const ttlShown = (t) => (t === 99 || t === 100 ? "99..100" : t);

// main LIB CHECKS: parses the command line, runs CHECKS[CHECK](ctx) under
// the deadline. ctx: { master, replica, spare (ports; spare 0 when not
// given), prefix (keys of this check: "LIB:CHECK:", "LIB.resp2:CHECK:" with
// CLIENT_RESP=2, so that a run with each protocol may go at once) }.
function main(lib, checks) {
	const [check, master, replica, spare = "0"] = process.argv.slice(2);
	const port = (s) => /^\d+$/.test(s || "");
	if (!checks[check] || !port(master) || !port(replica) || !port(spare) || process.argv.length > 6) {
		process.stderr.write(`usage: ${lib}.js ${Object.keys(checks).join("|")} MASTER_PORT REPLICA_PORT [SPARE_PORT]\n`);
		process.exit(64);
	}
	const timer = setTimeout(() => {
		process.stdout.write(`timeout: ${check} did not end within ${DEADLINE_MS} ms\n`);
		process.exit(3);
	}, DEADLINE_MS);
	const resp = process.env.CLIENT_RESP ? `.resp${process.env.CLIENT_RESP}` : "";
	const ctx = { master: Number(master), replica: Number(replica), spare: Number(spare),
		prefix: `${lib}${resp}:${check}:` };
	checks[check](ctx).then(
		() => {
			clearTimeout(timer);
			process.exit(0);
		},
		(e) => {
			process.stdout.write(`unexpected ${fmt(e)}\n`);
			process.stderr.write(`${e.stack}\n`);
			process.exit(1);
		},
	);
}

module.exports = { load, show, attempt, poll, ttlShown, helloShown, main };
