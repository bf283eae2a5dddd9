#!/usr/bin/env node
// glide.js - Valkey GLIDE (@valkey/valkey-glide, a Rust core in a native
// module under a Node.js API) at its default settings against Synap: only
// the address is given, so the client speaks RESP3 (HELLO 3), sends its
// CLIENT SETINFO and asks INFO REPLICATION for the node's role. Usage and
// transcript: common.js.
"use strict";

const { load, show, attempt, poll, ttlShown, helloShown, main } = require("./common");
const { GlideClient, Batch, Logger } = load("@valkey/valkey-glide");

// GLIDE's core logs warnings (each error reply) on stdout: into a file.
if (process.env.GLIDE_LOG)
	Logger.init("warn", process.env.GLIDE_LOG);

const SUBSCRIBE_WAIT_MS = 5000;         // for the server's confirmation
const MESSAGE_WAIT_MS = 5000;

// connect PORT: a client at its defaults, connected.
const connect = (port) => GlideClient.createClient({ addresses: [{ host: "127.0.0.1", port }] });

// nextMessage CLIENT: the next pub/sub message, or an error after
// MESSAGE_WAIT_MS.
function nextMessage(c) {
	return Promise.race([
		c.getPubSubMessage(),
		new Promise((_, reject) => setTimeout(() => reject(new Error("no message")), MESSAGE_WAIT_MS).unref()),
	]);
}

const checks = {
	// the protocol the connection speaks (HELLO without arguments says)
	async connect({ master }) {
		const m = await connect(master);
		await attempt("master: PING", m.ping());
		show("master: HELLO", helloShown(await m.customCommand(["HELLO"])));
		m.close();
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
		await attempt("EXISTS k", c.exists([`${p}k`]));
		c.close();
	},

	// A non-atomic Batch is a pipeline; with raiseOnError false a failed
	// command's error stands in its place.
	async pipeline({ master, prefix: p }) {
		const c = await connect(master);
		await attempt("pipeline SET a, INCR a, GET a",
			c.exec(new Batch(false).set(`${p}a`, "1").incr(`${p}a`).get(`${p}a`), false));
		await attempt("pipeline SET s, INCR s, SET t",
			c.exec(new Batch(false).set(`${p}s`, "x").incr(`${p}s`).set(`${p}t`, "y"), false));
		await attempt("pipeline SET s, INCR s, SET t, raiseOnError",
			c.exec(new Batch(false).set(`${p}s`, "x").incr(`${p}s`).set(`${p}t`, "z"), true));
		await attempt("GET t", c.get(`${p}t`));
		const many = new Batch(false);
		for (let i = 0; i < 100; i++)
			many.incr(`${p}c`);
		const replies = await c.exec(many, true);
		show("100 INCR c, the last", replies[99]);
		await attempt("GET c", c.get(`${p}c`));
		c.close();
	},

	// An atomic Batch is MULTI ... EXEC.
	async multi({ master, prefix: p }) {
		const c = await connect(master);
		await attempt("MULTI SET INCR GET EXEC",
			c.exec(new Batch(true).set(`${p}a`, "10").incr(`${p}a`).get(`${p}a`), true));
		// a command failing inside EXEC
		await attempt("MULTI SET INCR(string) GET EXEC",
			c.exec(new Batch(true).set(`${p}s`, "x").incr(`${p}s`).get(`${p}s`), false));
		await attempt("MULTI SET INCR(string) GET EXEC, raiseOnError",
			c.exec(new Batch(true).set(`${p}s`, "x").incr(`${p}s`).get(`${p}s`), true));
		// a command refused while queued: EXEC is refused (EXECABORT)
		await attempt("MULTI SET NOSUCH EXEC",
			c.exec(new Batch(true).set(`${p}q`, "1").customCommand(["NOSUCHCMD"]), false));
		await attempt("EXISTS q", c.exists([`${p}q`]));
		await attempt("GET s", c.get(`${p}s`));
		c.close();
	},

	// WATCH, a read, a write by another connection, then an atomic Batch:
	// exec answers null and the transaction is tried again.
	async watch({ master, prefix: p }) {
		const c = await connect(master);
		const other = await connect(master);
		const k = `${p}counter`;
		await c.set(k, "10");
		for (let attemptNo = 1; attemptNo <= 5; attemptNo++) {
			await c.watch([k]);
			const v = Number(await c.get(k));
			if (attemptNo === 1)
				await attempt("other connection: SET counter 100", other.set(k, "100"));
			const r = await attempt(`attempt ${attemptNo}: read ${v}, EXEC`,
				c.exec(new Batch(true).set(k, String(v + 1)), true));
			if (r !== null)
				break;
		}
		await attempt("GET counter", c.get(k));
		c.close();
		other.close();
	},

	// Subscriptions made on a connected client (GLIDE 2's subscribe), the
	// messages read with getPubSubMessage.
	async pubsub({ master, prefix: p }) {
		const pub = await connect(master);
		const sub = await connect(master);
		await attempt("SUBSCRIBE chan", sub.subscribe(new Set([`${p}chan`]), SUBSCRIBE_WAIT_MS));
		await attempt("PSUBSCRIBE news.*", sub.psubscribe(new Set([`${p}news.*`]), SUBSCRIBE_WAIT_MS));
		await attempt("PUBLISH chan", pub.publish("hello", `${p}chan`));
		await attempt("PUBLISH news.sport", pub.publish("goal", `${p}news.sport`));
		await attempt("received", nextMessage(sub));
		await attempt("received", nextMessage(sub));
		await attempt("UNSUBSCRIBE chan", sub.unsubscribe(new Set([`${p}chan`]), SUBSCRIBE_WAIT_MS));
		await attempt("PUNSUBSCRIBE news.*", sub.punsubscribe(new Set([`${p}news.*`]), SUBSCRIBE_WAIT_MS));
		await attempt("PUBLISH chan", pub.publish("nobody", `${p}chan`));
		sub.close();
		pub.close();
	},

	async scan({ master, prefix: p }) {
		const c = await connect(master);
		const want = new Set(Array.from({ length: 1000 }, (_, i) => `${p}${i}`));
		const set = new Batch(false);
		for (const k of want)
			set.set(k, "v");
		const oks = await c.exec(set, true);
		show("SET 1000 keys, OK", oks.filter((r) => r === "OK").length);
		// each key present for the whole scan comes at least once (twice if a
		// rehash moved it): they are counted distinct
		const seen = new Set();
		let pages = 0, cursor = "0";
		do {
			const [next, page] = await c.scan(cursor, { match: `${p}*` });
			cursor = String(next);
			pages++;
			for (const k of page)
				seen.add(String(k));
		} while (cursor !== "0" && pages < 5000);
		show("SCAN MATCH: distinct keys", seen.size);
		show("SCAN MATCH: keys not written", [...seen].filter((k) => !want.has(k)).length);
		show("SCAN MATCH: more than one page", pages > 1);
		c.close();
	},

	// GLIDE's standalone client needs a primary among its addresses (it asks
	// each INFO REPLICATION) and sends writes only there: it reads from the
	// replica when given both addresses and readFrom "preferReplica", the
	// one setting changed here, and never writes to a replica.
	async replica({ master, replica, prefix: p }) {
		const m = await connect(master);
		await attempt("master: SET k", m.set(`${p}k`, "from-master"));
		await attempt("master: INCR n", m.incr(`${p}n`));
		await attempt("connect to the replica alone", connect(replica).then((c) => {
			c.close();
			return "connected";
		}));
		const r = await GlideClient.createClient({
			addresses: [{ host: "127.0.0.1", port: master }, { host: "127.0.0.1", port: replica }],
			readFrom: "preferReplica",
		});
		show("replica: GET k (polled)", await poll(() => r.get(`${p}k`), "from-master"));
		await attempt("replica: GET n", r.get(`${p}n`));
		await attempt("SET k (to the master)", r.set(`${p}k`, "x"));
		show("replica: GET k (polled)", await poll(() => r.get(`${p}k`), "x"));
		m.close();
		r.close();
	},

	// A write reaches a replica when the node GLIDE took for the primary
	// has become one since (as after a failover): the spare, a master when
	// GLIDE connects, is made a replica of the master by REPLICAOF.
	async demoted({ master, spare, prefix: p }) {
		if (!spare)
			throw new Error("demoted needs SPARE_PORT");
		const c = await connect(spare);
		const m = await connect(master);
		await attempt("spare: SET k", c.set(`${p}k`, "before"));
		await attempt("master: SET k", m.set(`${p}k`, "from-master"));
		await attempt("spare: REPLICAOF the master", c.customCommand(["REPLICAOF", "127.0.0.1", String(master)]));
		show("spare: GET k (polled)", await poll(() => c.get(`${p}k`), "from-master"));
		await attempt("spare: SET k", c.set(`${p}k`, "x"));
		await attempt("spare: INCR n", c.incr(`${p}n`));
		await attempt("spare: GET k", c.get(`${p}k`));
		await attempt("spare: REPLICAOF NO ONE", c.customCommand(["REPLICAOF", "NO", "ONE"]));
		await attempt("spare: SET k", c.set(`${p}k`, "after"));
		c.close();
		m.close();
	},
};

main("glide", checks);
