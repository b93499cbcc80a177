import { MongoClient } from "mongodb";
import { createApp } from "./app.ts";
import { createRedisClient } from "./redis.ts";

// `node labs/02-cache-aside/src/server.ts` (PORT defaults to 3000). Seed users first with
// `node labs/02-cache-aside/src/seed.ts`, using the same MONGO_URL and WORKBOOK_NS.
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const namespace = process.env.WORKBOOK_NS ?? "wb_local";
const dbDelayMs = Number(process.env.SLOW_DB_MS ?? 0);

const mongo = new MongoClient(process.env.MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true");
await mongo.connect();
const redis = createRedisClient(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

const app = createApp({ db: mongo.db(namespace), redis, namespace, dbDelayMs });
const server = app.listen(port, host, () => {
  console.log(`lab 02 listening on http://${host}:${port} (database ${namespace}${dbDelayMs ? `, SLOW_DB_MS=${dbDelayMs}` : ""})`);
});

const shutdown = () => {
  server.close();
  redis.disconnect();
  void mongo.close().finally(() => process.exit(0));
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
