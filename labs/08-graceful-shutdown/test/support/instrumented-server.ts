/**
 * The lab's server, started with a witness attached: when the process exits, it reports which of
 * its connections were still open at that moment. Tests start this file instead of src/server.ts.
 *
 * Why at exit, from inside: once a process has died the OS closes its sockets for it, so looking
 * at Redis afterwards would find nothing either way. A clean shutdown closes its clients itself
 * before it exits; a careless one exits with them open and lets the OS cut them.
 */
import { spawnSync } from "node:child_process";
import { writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { MongoClient } from "mongodb";

// MongoDB: count clients that connected and have not finished close(). The app and this file
// import the same driver module, so patching its prototype sees the app's clients.
const openMongo = new Set<MongoClient>();
const connect = MongoClient.prototype.connect;
MongoClient.prototype.connect = function (this: MongoClient) {
  openMongo.add(this);
  return connect.call(this);
};
const close = MongoClient.prototype.close;
MongoClient.prototype.close = async function (this: MongoClient, force?: boolean) {
  await close.call(this, force);
  openMongo.delete(this);
};

// A fault on demand: with WITNESS_FAIL_QUEUE_CLOSE=1, closing the BullMQ queue fails (and leaves it
// open), the way a close can fail when its server is gone. Tests use it to see what the drain does
// with an error in the middle.
if (process.env.WITNESS_FAIL_QUEUE_CLOSE === "1") {
  Queue.prototype.close = function () {
    return Promise.reject(new Error("queue.close() failed (fault injected by the test)"));
  };
}

process.on("exit", (code) => {
  // When the app decided to exit, read before the probe below (which takes a while) runs.
  const exitedAt = Date.now();
  // Redis: ask the server itself (CLIENT LIST) from a helper process. spawnSync blocks, so the app
  // cannot close anything in the meantime: what it lists is what was open when the app exited.
  const probe = spawnSync(process.execPath, [fileURLToPath(new URL("./redis-clients.ts", import.meta.url))], {
    env: process.env,
    encoding: "utf8",
    timeout: 10_000,
  });
  let redisClients: string[] | string;
  try {
    redisClients = JSON.parse(probe.stdout) as string[];
  } catch {
    redisClients = `probe failed: ${probe.stderr || probe.error?.message || "no output"}`;
  }
  const report = { code, exitedAt, redisClients, mongoClientsOpen: openMongo.size };
  writeSync(1, `\n[exit-report] ${JSON.stringify(report)}\n`);
});

await import("../../src/server.ts");
