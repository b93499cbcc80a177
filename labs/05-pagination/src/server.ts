// Process entry: node labs/05-pagination/src/server.ts
// Reads PORT (default 3000), HOST, MONGO_URL, WORKBOOK_NS (the database name) and CURSOR_SECRET.
import { MongoClient } from "mongodb";
import { createApp } from "./app.ts";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const mongoUrl = process.env.MONGO_URL ?? "mongodb://127.0.0.1:27017/?directConnection=true";
const dbName = process.env.WORKBOOK_NS ?? "workbook";
let cursorSecret = process.env.CURSOR_SECRET;
if (!cursorSecret) {
  cursorSecret = "development-only-cursor-secret";
  console.warn("CURSOR_SECRET is not set: using a development secret. In production give every instance the same real secret.");
}

const client = new MongoClient(mongoUrl);
await client.connect();
const app = await createApp({ db: client.db(dbName), cursorSecret });
const server = app.listen(port, host, () => {
  console.log(`messages API listening on http://${host}:${port} (database ${dbName})`);
});

const shutdown = () => {
  server.close(() => void client.close().finally(() => process.exit(0)));
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
