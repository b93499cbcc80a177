// The shop's seed (src/seed.ts: 200 products, idempotent) from a terminal or a container, for the compose
// profile `capstone`, which has no stack.ts to seed it. Like stack.ts it writes straight to MongoDB, around the
// budget: the seed is not traffic. Reads MONGO_URL and WORKBOOK_NS (the database).
//   MONGO_URL='mongodb://127.0.0.1:27017/?replicaSet=rs0' WORKBOOK_NS=capstone node kit/bootstrap/node.cjs labs/17-capstone/seed-cli.ts
import { MongoClient } from "mongodb";
import { seed } from "./src/seed.ts";

const mongoUrl = process.env.MONGO_URL;
const namespace = process.env.WORKBOOK_NS;
if (!mongoUrl || !namespace) {
  console.error("seed-cli.ts needs MONGO_URL (the deployment, not the governor) and WORKBOOK_NS (the database name)");
  process.exit(2);
}
const client = await new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 30_000 }).connect();
try {
  const inserted = await seed(client.db(namespace).collection("products"));
  console.log(`seed: ${inserted} products inserted (200 in all) in database ${namespace}`);
} finally {
  await client.close();
}
