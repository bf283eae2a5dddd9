#!/usr/bin/env node
// sentinel-writer.js - a client that finds its master through Redis Sentinel
// (ioredis with `sentinels` and `name`) and writes until SIGTERM.
//
//   node sentinel-writer.js NAME OUT SENTINEL_PORT...
//
// Writes SET w:<i> <i> one at a time, every 20 ms, to the master that the
// Sentinels on 127.0.0.1:SENTINEL_PORT... name for NAME, and appends one line
// per write to OUT:
//   ok <i> <ms>           the server acknowledged it (ms: wall clock when it did)
//   err <i> <ms> <error>  the write failed (the client gave up on it)
// and, once, "ready <ms>" when the first connection is ready. Stops cleanly on
// SIGTERM (exit 0); exits 2 when ioredis cannot be loaded.
"use strict";

const fs = require("fs");

let Redis;
try {
	Redis = require("ioredis");
} catch (e) {
	process.stderr.write(`sentinel-writer: cannot load ioredis: ${e.message}\n`);
	process.exit(2);
}

const [name, out, ...ports] = process.argv.slice(2);
if (!name || !out || ports.length === 0) {
	process.stderr.write("usage: sentinel-writer.js NAME OUT SENTINEL_PORT...\n");
	process.exit(64);
}

const line = (s) => fs.appendFileSync(out, s + "\n");

const redis = new Redis({
	sentinels: ports.map((p) => ({ host: "127.0.0.1", port: Number(p) })),
	name,
	// Ask the Sentinels again soon after a connection is lost, so the switch
	// is seen as soon as they name the new master.
	retryStrategy: () => 100,
	sentinelRetryStrategy: () => 100,
	// A write waits at most a few reconnection attempts, then fails: the
	// failures show when the client could not write.
	maxRetriesPerRequest: 3,
	connectTimeout: 1000,
	lazyConnect: false,
});
redis.on("error", () => {}); // each failed write is reported on its own line
redis.once("ready", () => line(`ready ${Date.now()}`));

let stopping = false;
process.on("SIGTERM", () => {
	stopping = true;
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
	for (let i = 1; !stopping; i++) {
		try {
			await redis.set(`w:${i}`, String(i));
			line(`ok ${i} ${Date.now()}`);
		} catch (e) {
			line(`err ${i} ${Date.now()} ${String(e.message).replace(/\s+/g, " ")}`);
		}
		await sleep(20);
	}
	redis.disconnect();
	process.exit(0);
})();
