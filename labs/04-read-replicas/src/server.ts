import { MongoClient } from "mongodb";
import { createApp } from "./app.ts";
import { seedProfiles } from "./seed.ts";

// Process entry: `node labs/04-read-replicas/src/server.ts`. MONGO_URL should name the replica
// set (…?replicaSet=rs0) so the driver discovers the secondaries; `npm run lab -- test 04` sets it.
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const mongoUrl = process.env.MONGO_URL ?? "mongodb://127.0.0.1:27017,127.0.0.1:27018,127.0.0.1:27019/?replicaSet=rs0";
const dbName = process.env.WORKBOOK_NS ?? "workbook_read_replicas";

const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5000 });
await client.connect();
const profiles = await seedProfiles(client.db(dbName));
const app = createApp({ client, dbName });
const server = app.listen(port, host, () => {
  console.log(`read-replicas API on http://${host}:${port} (${profiles.length} profiles; try GET /profiles/${profiles[0]?._id.toHexString()})`);
});

const stop = () => {
  server.close();
  void client.close();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
