// Step 2: the index that serves the page query exists as soon as the app has started.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { MongoClient, type Document } from "mongodb";
import { labServices, startInstance } from "#kit/testing/index.ts";
import { seedMessages } from "../src/seed.ts";
import { prepareMessages } from "../src/messages.ts";
import { freshDbName, startTestApp, type TestApp } from "./support.ts";

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

function describeIndexes(indexes: Document[]): string {
  return indexes.map((ix) => JSON.stringify(ix.key)).join(", ") || "none";
}

/**
 * An index that can deliver step 4's order (createdAt, then _id, both newest first): its key starts
 * with createdAt then _id, in the same direction (an index is read forwards or backwards, so both
 * ascending serves a descending sort too; mixed directions cannot serve it).
 */
function servesPageSort(index: Document): boolean {
  const key = index.key as Record<string, unknown>;
  const [first, second] = Object.keys(key);
  return first === "createdAt" && second === "_id" && Math.sign(Number(key.createdAt)) === Math.sign(Number(key._id)) && Number(key._id) !== 0;
}

test("starting the server creates an index on { createdAt, _id }, both in one direction", async () => {
  const { mongoUrl, env } = await labServices(["mongo"]);
  const dbName = await freshDbName();
  const server = await startInstance({
    entry: new URL("../src/server.ts", import.meta.url),
    env: { ...env, WORKBOOK_NS: dbName, CURSOR_SECRET: "index-test" },
  });
  cleanups.push(() => server.stop());
  const client = new MongoClient(mongoUrl);
  await client.connect();
  cleanups.push(() => client.close());
  cleanups.push(() => client.db(dbName).dropDatabase());

  // Before any request: the index must exist because the server started, not because someone asked for a page.
  const indexes = await client.db(dbName).collection("messages").listIndexes().toArray().catch(() => []);
  assert.ok(
    indexes.some(servesPageSort),
    `expected listIndexes on messages to show an index whose key starts with createdAt then _id, in the same direction, as soon as the server listens, before any request; found: ${describeIndexes(indexes)}`,
  );
  const reply = await fetch(`${server.url}/messages`);
  assert.equal(reply.status, 200, `expected the started server to answer GET /messages with 200; got ${reply.status}`);
});

test("prepareMessages resolves only once the index has been created (createApp awaits it before listening)", async () => {
  const dbName = await freshDbName();
  const app = await startTestApp({ dbName });
  cleanups.push(() => app.db.dropDatabase());
  cleanups.push(() => app.close());
  // A collection whose index calls finish only when the test says so.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const calls: string[] = [];
  const gated = Object.create(app.messages) as typeof app.messages;
  for (const method of ["createIndex", "createIndexes"] as const) {
    const real = app.messages[method].bind(app.messages) as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(gated, method, { value: (...args: unknown[]) => (calls.push(method), gate.then(() => real(...args))) });
  }
  let settled = false;
  const prepared = prepareMessages(gated).then(() => (settled = true));
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(calls.length > 0, "expected prepareMessages to call createIndex (or createIndexes) on the collection it is given");
  assert.equal(settled, false, "expected prepareMessages to wait for createIndex to finish; it resolved while the index was still being built (is the promise awaited?)");
  release();
  await prepared;
});

test("a page request does not create indexes: that is start-up work", async () => {
  const app: TestApp = await startTestApp({ seed: (messages) => seedMessages(messages, { count: 50 }) });
  cleanups.push(() => app.close());
  app.commands.length = 0;
  await app.get("limit=5");
  await app.get("limit=5");
  const perRequest = app.commands.filter((c) => c.commandName === "createIndexes" || c.commandName === "listIndexes");
  assert.deepEqual(perRequest.map((c) => c.commandName), [], "expected no index commands while serving pages; create the index once in prepareMessages");
});

test("starting twice on the same database works (creating the index is idempotent)", async () => {
  const dbName = await freshDbName();
  const first = await startTestApp({ dbName });
  cleanups.push(() => first.db.dropDatabase());
  cleanups.push(() => first.close());
  const second = await startTestApp({ dbName });
  cleanups.push(() => second.close());
  assert.equal((await second.get()).status, 200);
});
