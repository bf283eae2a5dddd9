#!/usr/bin/env node
// ioredis.js - ioredis at its default settings against Synap: only the
// address is given, so the client speaks RESP3 (HELLO 3), sends its CLIENT
// SETINFO and waits for INFO's loading:0 (the ready check) before the first
// command; with CLIENT_RESP=2 in the environment it is given protocol: 2
// (no HELLO). Usage and transcript: common.js.
"use strict";

const { load, show, attempt, poll, ttlShown, helloShown, main } = require("./common");
const Redis = load("ioredis");

// connect PORT: a client at its defaults, ready.
async function connect(port) {
	const options = { host: "127.0.0.1", port };
	if (process.env.CLIENT_RESP)
		options.protocol = Number(process.env.CLIENT_RESP);
	const c = new Redis(options);
	c.on("error", (e) => process.stdout.write(`error event: ${e.message}\n`));
	await new Promise((resolve, reject) => {
		c.once("ready", resolve);
		c.once("end", () => reject(new Error("connection ended before it was ready")));
	});
	return c;
}

const checks = {
	// the protocol the connection speaks (HELLO without arguments says)
	async connect({ master, replica }) {
		const m = await connect(master);
		await attempt("master: PING", m.ping());
		show("master: HELLO", helloShown(await m.hello()));
		const r = await connect(replica);
		show("replica: HELLO", helloShown(await r.hello()));
		await m.quit();
		await r.quit();
	},

	async basic({ master, prefix: p }) {
		const c = await connect(master);
		await attempt("SET k", c.set(`${p}k`, "v1"));
		await attempt("GET k", c.get(`${p}k`));
		await attempt("GET missing", c.get(`${p}missing`));
		await attempt("INCR n", c.incr(`${p}n`));
		await attempt("INCR n", c.incr(`${p}n`));
		await attempt("INCR k", c.incr(`${p}k`));
		await attempt("TTL k", c.ttl(`${p}k`));
		await attempt("EXPIRE k 100", c.expire(`${p}k`, 100));
		show("TTL k", ttlShown(await c.ttl(`${p}k`)));
		await attempt("TTL missing", c.ttl(`${p}missing`));
		await attempt("DEL k n missing", c.del(`${p}k`, `${p}n`, `${p}missing`));
		await attempt("EXISTS k", c.exists(`${p}k`));
		await c.quit();
	},

	async pipeline({ master, prefix: p }) {
		const c = await connect(master);
		// [error, reply] per command; a failed one does not stop the others
		await attempt("pipeline SET a, INCR a, GET a", c.pipeline().set(`${p}a`, "1").incr(`${p}a`).get(`${p}a`).exec());
		await attempt("pipeline SET s, INCR s, SET t", c.pipeline().set(`${p}s`, "x").incr(`${p}s`).set(`${p}t`, "y").exec());
		await attempt("GET t", c.get(`${p}t`));
		const many = c.pipeline();
		for (let i = 0; i < 100; i++)
			many.incr(`${p}c`);
		const replies = await many.exec();
		show("100 INCR c, the last", replies[99]);
		await attempt("GET c", c.get(`${p}c`));
		await c.quit();
	},

	async multi({ master, prefix: p }) {
		const c = await connect(master);
		await attempt("MULTI SET INCR GET EXEC", c.multi().set(`${p}a`, "10").incr(`${p}a`).get(`${p}a`).exec());
		// a command failing inside EXEC: its error in its place, the others done
		await attempt("MULTI SET INCR(string) GET EXEC", c.multi().set(`${p}s`, "x").incr(`${p}s`).get(`${p}s`).exec());
		// a command refused while queued: EXEC is refused (EXECABORT)
		await attempt("MULTI SET NOSUCH EXEC", c.multi().set(`${p}q`, "1").call("NOSUCHCMD").exec());
		await attempt("EXISTS q", c.exists(`${p}q`));
		await attempt("GET s", c.get(`${p}s`));
		await c.quit();
	},

	// WATCH, a read, a write by another connection, then MULTI/EXEC: EXEC
	// answers null and the transaction is tried again.
	async watch({ master, prefix: p }) {
		const c = await connect(master);
		const other = await connect(master);
		const k = `${p}counter`;
		await c.set(k, "10");
		for (let attemptNo = 1; attemptNo <= 5; attemptNo++) {
			await c.watch(k);
			const v = Number(await c.get(k));
			if (attemptNo === 1)
				await attempt("other connection: SET counter 100", other.set(k, "100"));
			const r = await attempt(`attempt ${attemptNo}: read ${v}, EXEC`, c.multi().set(k, String(v + 1)).exec());
			if (r !== null)
				break;
		}
		await attempt("GET counter", c.get(k));
		await c.quit();
		await other.quit();
	},

	async pubsub({ master, prefix: p }) {
		const pub = await connect(master);
		const sub = pub.duplicate();
		sub.on("error", (e) => process.stdout.write(`error event: ${e.message}\n`));
		const got = [];
		sub.on("message", (ch, m) => got.push(`message ${ch} ${m}`));
		sub.on("pmessage", (pat, ch, m) => got.push(`pmessage ${pat} ${ch} ${m}`));
		await attempt("SUBSCRIBE chan", sub.subscribe(`${p}chan`));
		await attempt("PSUBSCRIBE news.*", sub.psubscribe(`${p}news.*`));
		await attempt("PUBLISH chan", pub.publish(`${p}chan`, "hello"));
		await attempt("PUBLISH news.sport", pub.publish(`${p}news.sport`, "goal"));
		await poll(async () => got.length, 2);
		for (const m of got)
			process.stdout.write(`received ${m}\n`);
		await attempt("UNSUBSCRIBE chan", sub.unsubscribe(`${p}chan`));
		await attempt("PUNSUBSCRIBE news.*", sub.punsubscribe(`${p}news.*`));
		await attempt("PUBLISH chan", pub.publish(`${p}chan`, "nobody"));
		await sub.quit();
		await pub.quit();
	},

	async scan({ master, prefix: p }) {
		const c = await connect(master);
		const want = new Set(Array.from({ length: 1000 }, (_, i) => `${p}${i}`));
		const set = c.pipeline();
		for (const k of want)
			set.set(k, "v");
		const oks = await set.exec();
		show("SET 1000 keys, OK", oks.filter(([e, r]) => !e && r === "OK").length);
		// each key present for the whole scan comes at least once (twice if a
		// rehash moved it): they are counted distinct
		const seen = new Set();
		let pages = 0;
		for await (const page of c.scanStream({ match: `${p}*` })) {
			pages++;
			for (const k of page)
				seen.add(k);
		}
		show("SCAN MATCH: distinct keys", seen.size);
		show("SCAN MATCH: keys not written", [...seen].filter((k) => !want.has(k)).length);
		show("SCAN MATCH: more than one page", pages > 1);
		await c.quit();
	},

	async replica({ master, replica, prefix: p }) {
		const m = await connect(master);
		const r = await connect(replica);
		await attempt("master: SET k", m.set(`${p}k`, "from-master"));
		await attempt("master: INCR n", m.incr(`${p}n`));
		show("replica: GET k (polled)", await poll(() => r.get(`${p}k`), "from-master"));
		await attempt("replica: GET n", r.get(`${p}n`));
		await attempt("replica: SET k", r.set(`${p}k`, "x"));
		await attempt("replica: INCR n", r.incr(`${p}n`));
		await attempt("replica: GET k", r.get(`${p}k`));
		await m.quit();
		await r.quit();
	},
};

main("ioredis", checks);
