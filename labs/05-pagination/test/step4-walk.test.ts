// Step 4: cursor (keyset) pagination. Walking every page must show every message exactly once,
// in order, even with ties on createdAt and with new messages arriving during the walk.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { makeMessages, seedMessages } from "../src/seed.ts";
import { asPage, startTestApp, walkPages, walkProblems, type TestApp } from "./support.ts";

const apps: TestApp[] = [];
after(() => Promise.all(apps.map((app) => app.close())));

async function appWith(count: number, distinctTimes: number): Promise<{ app: TestApp; ids: Set<string> }> {
  let ids = new Set<string>();
  const app = await startTestApp({
    seed: async (messages) => {
      const docs = await seedMessages(messages, { count, distinctTimes, seed: count + distinctTimes });
      ids = new Set(docs.map((d) => d._id.toHexString()));
    },
  });
  apps.push(app);
  return { app, ids };
}

test("walking every page returns each of 3,000 messages exactly once, newest first", async () => {
  // 3,000 messages over 300 timestamps: about ten share each createdAt.
  const { app, ids } = await appWith(3000, 300);
  const walk = await walkPages(app, 50, 70);
  assert.deepEqual(walkProblems(walk, ids, 50), [], "walking with ?after=<next>&limit=50");
  assert.equal(walk.items.length, 3000, `expected 3,000 messages over all pages, got ${walk.items.length}`);
});

test("messages that share one createdAt are neither skipped nor repeated at page boundaries", async () => {
  // Every message has the same createdAt: only the _id tie-breaker orders them.
  const { app, ids } = await appWith(300, 1);
  const walk = await walkPages(app, 7, 60);
  assert.deepEqual(
    walkProblems(walk, ids, 7),
    [],
    "with 300 messages sharing one createdAt, the sort and the cursor filter both need _id as a tie-breaker",
  );
});

test("messages inserted during the walk do not make older messages disappear or repeat", async () => {
  const { app, ids } = await appWith(1000, 250);
  let inserted = 0;
  // After every page, three new messages arrive (newer than everything seeded). Offset paging
  // would push three old messages onto the next page again; a cursor must not.
  const walk = await walkPages(app, 25, 60, async (pageNumber) => {
    const fresh = makeMessages({ count: 3, distinctTimes: 1, oldest: new Date(Date.now() + pageNumber), seed: 1000 + pageNumber });
    await app.messages.insertMany(fresh);
    inserted += fresh.length;
  });
  assert.ok(inserted > 0, "the walk should have had at least two pages");
  assert.deepEqual(
    walkProblems(walk, ids, 25),
    [],
    `walking 1,000 messages while ${inserted} newer ones were inserted (new ones may or may not appear; old ones exactly once)`,
  );
});

test("the last page says next: null, also when it is exactly full", async () => {
  const { app } = await appWith(60, 60);
  const walk = await walkPages(app, 20, 6);
  const last = walk.pages.at(-1)!;
  assert.equal(
    walk.pages.length,
    3,
    `expected 60 messages at limit=20 to take exactly 3 pages, the third with next: null; got ${walk.pages.length} pages of sizes ${walk.pages.map((p) => p.items.length).join(", ")} (the last page needs to know whether more exist: fetch limit + 1)`,
  );
  assert.equal(last.items.length, 20);
  assert.equal(last.next, null);

  const empty = await startTestApp();
  apps.push(empty);
  const page = asPage(await empty.get(), "GET /messages on an empty collection");
  assert.deepEqual({ items: page.items, next: page.next }, { items: [], next: null }, "an empty collection is one empty page with next: null");
});
