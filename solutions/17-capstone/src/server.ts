// One API instance: `node solutions/17-capstone/src/server.ts` (env: see config.ts).
import { once } from "node:events";
import { createApp, createMetrics, type Readiness } from "./app.ts";
import { loadConfigOrExit } from "./config.ts";
import { connectRedis, connectStore } from "./db.ts";
import { emailQueue } from "./email.ts";

const config = loadConfigOrExit();
const metrics = createMetrics();
const readiness: Readiness = { warm: false, draining: false };
const redis = connectRedis(config);
// The queue's producer shares the one Redis client: adding a job is a request-path command like any
// other, and failing it within a second is right (the order is kept emailPending for the worker's sweep).
// Only a worker, which blocks on Redis, needs a connection of its own.
const queue = emailQueue(redis, config.namespace);
const store = await connectStore(config, (command) => metrics.dbOperations.inc({ command }));
const app = createApp({ config, store, redis, queue, metrics, readiness });

const server = app.listen(config.port, config.host);
await once(server, "listening");
console.log(`${config.instance} listening on http://${config.host}:${config.port} (pid ${process.pid})`);

// Ready once both stores answer: the balancer's check (GET /health/ready) sends no traffic before.
await Promise.all([store.db.command({ ping: 1 }), redis.ping(), queue.waitUntilReady()]);
readiness.warm = true;
console.log(`${config.instance} ready`);

// SIGTERM (a deploy, a scale-in): say "not ready" first and keep serving while the balancer's checks
// notice (DRAIN_DELAY_MS > check interval x fall), then stop accepting, finish what is in flight,
// close the clients and exit 0. A second signal, or 10 s more, ends it at once.
let stopping = false;
async function drain(signal: string): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  readiness.draining = true;
  console.log(`${config.instance}: ${signal}, draining for ${config.drainDelayMs} ms`);
  setTimeout(() => {
    console.error(`${config.instance}: still busy ${config.drainDelayMs + 10_000} ms after ${signal}; exiting`);
    process.exit(1);
  }, config.drainDelayMs + 10_000).unref();
  await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await closed;
  await queue.close();
  await redis.quit();
  await store.client.close();
  console.log(`${config.instance}: drained`);
  process.exit(0);
}
process.on("SIGTERM", () => void drain("SIGTERM"));
process.on("SIGINT", () => void drain("SIGINT"));
