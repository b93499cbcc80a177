import { ObjectId, type Db } from "mongodb";

/** Insert `count` users and return their ids (hex strings). Used by the tests, the bench and you. */
export async function seedUsers(db: Db, count: number, label = "user"): Promise<string[]> {
  const docs = Array.from({ length: count }, (_, i) => ({
    _id: new ObjectId(),
    name: `${label} ${i + 1}`,
    email: `${label.replace(/\W+/g, "-")}-${i + 1}@example.test`,
  }));
  if (docs.length > 0) await db.collection("users").insertMany(docs);
  return docs.map((doc) => doc._id.toHexString());
}

// Run directly: `node labs/02-cache-aside/src/seed.ts [count]` prints the new ids.
if (import.meta.main) {
  const { MongoClient } = await import("mongodb");
  const client = new MongoClient(process.env.MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true");
  await client.connect();
  const ids = await seedUsers(client.db(process.env.WORKBOOK_NS ?? "wb_local"), Number(process.argv[2] ?? 20));
  console.log(ids.join("\n"));
  await client.close();
}
