/**
 * The API process. Start it with the telemetry set up first:
 *   node --import ./src/telemetry.ts src/server.ts
 * (`npm run lab -- start 13`, the tests and the bench all do this through NODE_OPTIONS.)
 */
import { once } from "node:events";
import { MongoClient } from "mongodb";
import { createApp } from "./app.ts";
import { readConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { createWelcomeQueue } from "./queue.ts";
import { shutdownTelemetry } from "./telemetry.ts";
import { createUserStore } from "./users.ts";

const config = readConfig();
const log = createLogger("api");
const mongo = await new MongoClient(config.mongoUrl).connect();
const users = await createUserStore(mongo.db(config.namespace));
const queue = createWelcomeQueue(config.redisUrl, config.namespace);

const server = createApp({ users, queue, log }).listen(config.port, config.host);
await once(server, "listening");
log.info(`13-tracing API listening on http://${config.host}:${config.port} (database ${config.namespace})`);

// Stop taking requests, let the ones in flight finish, close the connections, then hand the spans
// still in memory to the collector before the process goes. SIGINT (Ctrl-C) too: a signal with a
// handler no longer exits by itself, and one without a handler exits without the flush.
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.close();
  await once(server, "close");
  await queue.close();
  await mongo.close();
  await shutdownTelemetry();
  process.exit(0);
}
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
