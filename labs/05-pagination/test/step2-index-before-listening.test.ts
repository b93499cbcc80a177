// Step 2: the index that serves the page query exists as soon as the app has started.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { MongoClient, type Document } from "mongodb";
import { labServices, startInstance } from "#kit/testing/index.ts";
import { seedMessages } from "../src/seed.ts";
import { prepareMessages } from "../src/messages.ts";
import { asPage, freshDbName, startTestApp, type TestApp } from "./support.ts";

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

function describeIndexes(indexes: Document[]): string {
  return indexes.map((ix) => JSON.stringify(ix.key)).join(", ") || "none";
}

/** An index whose key starts with createdAt and also holds _id (so it can serve the sort with its tie-breaker). */
function servesPageSort(index: Document): boolean {
  const fields = Object.keys(index.key as Document);
  return fields[0] === "createdAt" && fields.includes("_id");
}

test("starting the server creates an index on { createdAt, _id }", async () => {
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
    `expected listIndexes on messages to show an index whose key starts with createdAt and includes _id as soon as the server listens, before any request; found: ${describeIndexes(indexes)}`,
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

/** Every stage name in an explain plan, however the server nests it. */
function stagesOf(plan: unknown, found: string[] = []): string[] {
  if (Array.isArray(plan)) plan.forEach((p) => stagesOf(p, found));
  else if (plan && typeof plan === "object") {
    for (const [key, value] of Object.entries(plan)) {
      if (key === "stage" && typeof value === "string") found.push(value);
      else stagesOf(value, found);
    }
  }
  return found;
}

test("with cursors (step 4), a deep page is read from the index in order, with no in-memory sort", async () => {
  const app: TestApp = await startTestApp({ seed: (messages) => seedMessages(messages, { count: 1500 }) });
  cleanups.push(() => app.close());
  let query = "limit=100";
  for (let n = 0; n < 10; n++) {
    const next = asPage(await app.get(query), `page ${n + 1}`).next;
    assert.ok(next, `expected page ${n + 1} of 15 to have a next cursor`);
    query = `after=${encodeURIComponent(next)}&limit=20`;
  }
  app.commands.length = 0;
  asPage(await app.get(query), "a page 1,000 messages deep");
  const find = app.commands.find((c) => c.commandName === "find");
  assert.ok(find, "expected the page request to send a find command");
  const { find: collection, filter, sort, skip, limit, hint } = find.command;
  const explained = await app.db.command({
    explain: { find: collection, filter, sort, skip, limit, ...(hint ? { hint } : {}) },
    verbosity: "queryPlanner",
  });
  const stages = stagesOf(explained.queryPlanner?.winningPlan);
  assert.ok(stages.includes("IXSCAN"), `expected the page query to use an index (IXSCAN); its plan has stages ${stages.join(" > ")}`);
  assert.ok(
    !stages.includes("SORT"),
    `expected the index to deliver the sort order (no SORT stage); its plan has stages ${stages.join(" > ")}. Check that the index fields and directions match the sort exactly.`,
  );
});
