#!/usr/bin/env node
// node-redis.js - node-redis (the npm package "redis") at its default
// settings against Synap: only the address is given, so the client speaks
// RESP3 (HELLO 3) and sends its CLIENT SETINFO as it does to Redis; with
// CLIENT_RESP=2 in the environment it is given RESP: 2 (no HELLO).
// Usage and transcript: common.js.
"use strict";

const { load, show, attempt, poll, ttlShown, helloShown, main } = require("./common");
const { createClient, WatchError } = load("redis");

// connect PORT [MORE]: a client at its defaults (and the options MORE),
// connected.
async function connect(port, more = {}) {
	const options = { socket: { host: "127.0.0.1", port }, ...more };
	if (process.env.CLIENT_RESP)
		options.RESP = Number(process.env.CLIENT_RESP);
	const c = createClient(options);
	c.on("error", (e) => process.stdout.write(`error event: ${e.message}\n`));
	await c.connect();
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
		await m.close();
		await r.close();
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
		await attempt("DEL k n missing", c.del([`${p}k`, `${p}n`, `${p}missing`]));
		await attempt("EXISTS k", c.exists(`${p}k`));
		await c.close();
	},

	async pipeline({ master, prefix: p }) {
		const c = await connect(master);
		await attempt("pipeline SET a, INCR a, GET a", c.multi().set(`${p}a`, "1").incr(`${p}a`).get(`${p}a`)
			.execAsPipeline());
		// one command fails: the promise is rejected with its error, the
		// others have run
		await attempt("pipeline SET s, INCR s, SET t", c.multi().set(`${p}s`, "x").incr(`${p}s`)
			.set(`${p}t`, "y").execAsPipeline());
		await attempt("GET t", c.get(`${p}t`));
		// without a batch: commands sent in the same tick go out together
		const incrs = await Promise.all(Array.from({ length: 100 }, () => c.incr(`${p}c`)));
		show("100 INCR c, the last", incrs[99]);
		await attempt("GET c", c.get(`${p}c`));
		await c.close();
	},

	async multi({ master, prefix: p }) {
		const c = await connect(master);
		await attempt("MULTI SET INCR GET EXEC", c.multi().set(`${p}a`, "10").incr(`${p}a`).get(`${p}a`).exec());
		// a command failing inside EXEC: MultiErrorReply holds every reply
		try {
			await c.multi().set(`${p}s`, "x").incr(`${p}s`).get(`${p}s`).exec();
			show("MULTI SET INCR(string) GET EXEC", "no error");
		} catch (e) {
			show("MULTI SET INCR(string) GET EXEC", e);
			show("  .replies", e.replies);
			show("  .errorIndexes", e.errorIndexes);
		}
		// a command refused while queued: EXEC is refused (EXECABORT)
		await attempt("MULTI SET NOSUCH EXEC", c.multi().set(`${p}q`, "1").sendCommand(["NOSUCHCMD"]).exec());
		await attempt("EXISTS q", c.exists(`${p}q`));
		await attempt("GET s", c.get(`${p}s`));
		await c.close();
	},

	// WATCH, a read, a write by another connection, then MULTI/EXEC: the
	// client throws WatchError and the transaction is tried again.
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
			try {
				show(`attempt ${attemptNo}: read ${v}, EXEC`, await c.multi().set(k, String(v + 1)).exec());
				break;
			} catch (e) {
				show(`attempt ${attemptNo}: read ${v}, EXEC`, e);
				if (!(e instanceof WatchError))
					break;
			}
		}
		await attempt("GET counter", c.get(k));
		await c.close();
		await other.close();
	},

	async pubsub({ master, prefix: p }) {
		const pub = await connect(master);
		const sub = pub.duplicate();
		sub.on("error", (e) => process.stdout.write(`error event: ${e.message}\n`));
		await sub.connect();
		const got = [];
		await attempt("SUBSCRIBE chan", sub.subscribe(`${p}chan`, (m, ch) => got.push(`message ${ch} ${m}`)));
		await attempt("PSUBSCRIBE news.*", sub.pSubscribe(`${p}news.*`, (m, ch) => got.push(`pmessage ${ch} ${m}`)));
		await attempt("PUBLISH chan", pub.publish(`${p}chan`, "hello"));
		await attempt("PUBLISH news.sport", pub.publish(`${p}news.sport`, "goal"));
		await poll(async () => got.length, 2);
		for (const m of got)
			process.stdout.write(`received ${m}\n`);
		await attempt("UNSUBSCRIBE chan", sub.unsubscribe(`${p}chan`));
		await attempt("PUNSUBSCRIBE news.*", sub.pUnsubscribe(`${p}news.*`));
		await attempt("PUBLISH chan", pub.publish(`${p}chan`, "nobody"));
		await sub.close();
		await pub.close();
	},

	async scan({ master, prefix: p }) {
		const c = await connect(master);
		const want = Array.from({ length: 1000 }, (_, i) => `${p}${i}`);
		const oks = await Promise.all(want.map((k) => c.set(k, "v")));
		show("SET 1000 keys, OK", oks.filter((r) => r === "OK").length);
		// each key present for the whole scan comes at least once (twice if a
		// rehash moved it): they are counted distinct
		const seen = new Set();
		let pages = 0;
		for await (const page of c.scanIterator({ MATCH: `${p}*` })) {
			pages++;
			for (const k of page)
				seen.add(k);
			if (pages > 5000)
				break;
		}
		show("SCAN MATCH: distinct keys", seen.size);
		show("SCAN MATCH: keys not written", [...seen].filter((k) => !want.includes(k)).length);
		show("SCAN MATCH: more than one page", pages > 1);
		await c.close();
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
		// WATCH on the replica: the master's change, once the replica has
		// applied it, aborts the replica's EXEC
		await attempt("replica: WATCH k", r.watch(`${p}k`));
		await attempt("master: SET k", m.set(`${p}k`, "changed"));
		show("replica: GET k (polled)", await poll(() => r.get(`${p}k`), "changed"));
		await attempt("replica: MULTI GET k EXEC", r.multi().get(`${p}k`).exec());
		await attempt("replica: MULTI GET k EXEC", r.multi().get(`${p}k`).exec());
		await m.close();
		await r.close();
	},

	// Client-side caching (clientSideCache: CLIENT TRACKING ON, RESP3 only)
	// of reads from the replica: a cached GET is answered without asking;
	// when the master changes the key, the replica, applying the change,
	// sends the invalidation, and the next GET asks the replica again and
	// gets the new value. Then the same on the master, the change made by
	// another connection.
	async cache({ master, replica, prefix: p }) {
		const m = await connect(master);
		const k = `${p}k`;
		for (const [name, port] of [["replica", replica], ["master", master]]) {
			const plain = await connect(port);
			const c = await connect(port, { clientSideCache: {} });
			const csc = c.clientSideCache;
			const invalidated = [];
			csc.on("invalidate", (key) => invalidated.push(key === null ? null : String(key)));
			// the GETs this connection's node answered
			const gets = async () => Number((await plain.info("commandstats"))
				.match(/^cmdstat_get:calls=(\d+)/m)?.[1] ?? 0);
			await attempt(`${name}: master: SET k`, m.set(k, `v1-${name}`));
			show(`${name}: GET k (polled, not cached)`, await poll(() => plain.get(k), `v1-${name}`));
			const before = await gets();
			await attempt(`${name}: GET k`, c.get(k));
			await attempt(`${name}: GET k`, c.get(k));
			show(`${name}: GETs the node answered`, (await gets()) - before);
			await attempt(`${name}: master: SET k`, m.set(k, `v2-${name}`));
			show(`${name}: invalidations (polled)`, await poll(async () => JSON.stringify(invalidated),
				JSON.stringify([k])));
			await attempt(`${name}: GET k`, c.get(k));
			await attempt(`${name}: GET k`, c.get(k));
			show(`${name}: GETs the node answered`, (await gets()) - before);
			const { hitCount, missCount } = csc.stats();
			show(`${name}: cache hits, misses`, [hitCount, missCount]);
			await c.close();
			await plain.close();
		}
		await m.close();
	},
};

main("node-redis", checks);
