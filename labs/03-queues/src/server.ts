/**
 * The API process: `node labs/03-queues/src/server.ts`. Reads its settings from the environment
 * (see config.ts), connects to MongoDB and Redis, and serves POST /users.
 */
import { once } from "node:events";
import { MongoClient } from "mongodb";
import { createApp } from "./app.ts";
import { readConfig } from "./config.ts";
import { createEmailClient } from "./email-client.ts";
import { createWelcomeQueue } from "./queue.ts";
import { createUserStore } from "./users.ts";

const config = readConfig();
const mongo = await new MongoClient(config.mongoUrl).connect();
const users = await createUserStore(mongo.db(config.namespace));
const queue = createWelcomeQueue(config.redisUrl, config.namespace);
const email = createEmailClient(config.emailUrl);

const server = createApp({ users, email, queue, retry: config.retry }).listen(config.port, config.host);
await once(server, "listening");
console.log(`03-queues API listening on http://${config.host}:${config.port} (database ${config.namespace}, email provider ${config.emailUrl})`);

// Stop taking requests, let the ones in flight finish, then close the connections.
process.once("SIGTERM", async () => {
  server.close();
  await once(server, "close");
  await queue.close();
  await mongo.close();
  process.exit(0);
});
