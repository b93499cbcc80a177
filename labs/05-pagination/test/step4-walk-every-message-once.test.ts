// Step 4: cursor (keyset) pagination. Walking every page must show every message exactly once,
// in order, even with ties on createdAt and with new messages arriving during the walk.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ObjectId } from "mongodb";
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

test("messages deleted during the walk, including the one a cursor points at, do not make other messages disappear or repeat", async () => {
  const { app, ids } = await appWith(600, 150);
  const deleted = new Set<string>();
  let query = "limit=30";
  const pages: Awaited<ReturnType<typeof walkPages>>["pages"] = [];
  for (let n = 1; n <= 40; n++) {
    const page = asPage(await app.get(query), `page ${n} of the walk (GET /messages?${query.slice(0, 60)})`);
    pages.push(page);
    if (page.next === null) break;
    // Delete the message the cursor points at (the last one shown) and one not yet shown. A cursor
    // that only names a message, and looks it up again, loses its place when that message is gone.
    const last = page.items.at(-1)!;
    const shown = new Set(pages.flatMap((p) => p.items.map((m) => m.id)));
    const unseen = [...ids].find((id) => !shown.has(id) && !deleted.has(id));
    for (const id of [last.id, unseen]) {
      if (!id) continue;
      await app.messages.deleteOne({ _id: ObjectId.createFromHexString(id) });
      deleted.add(id);
    }
    query = `after=${encodeURIComponent(page.next)}&limit=30`;
  }
  const remaining = new Set([...ids].filter((id) => !deleted.has(id) || pages.some((p) => p.items.some((m) => m.id === id))));
  assert.deepEqual(
    walkProblems({ pages, items: pages.flatMap((p) => p.items) }, remaining, 30),
    [],
    `walking 600 messages while ${deleted.size} were deleted (the cursor's own message after every page): every message not deleted before it was reached must appear exactly once, in order`,
  );
  assert.equal(pages.at(-1)?.next, null, `expected the walk to reach next: null within 40 pages; it stopped after ${pages.length}`);
});

test("every page query sorts on createdAt, then _id, both newest first (the order must not depend on the plan MongoDB picks)", async () => {
  const { app } = await appWith(100, 10);
  app.commands.length = 0;
  const first = asPage(await app.get("limit=10"), "GET /messages?limit=10");
  asPage(await app.get(`after=${encodeURIComponent(first.next ?? "")}&limit=10`), "the second page");
  const sorts = app.commands.filter((c) => c.commandName === "find").map((c) => {
    const sort: unknown = c.command.sort; // the driver may hand the command a Map to keep key order
    return JSON.stringify(sort instanceof Map ? Object.fromEntries(sort) : (sort ?? null));
  });
  assert.equal(sorts.length, 2, `expected one find per page; saw ${sorts.length}`);
  for (const sort of sorts) {
    assert.equal(
      sort,
      JSON.stringify({ createdAt: -1, _id: -1 }),
      `expected each page's find to sort on createdAt then _id, both descending; it sent sort ${sort}. Without _id the order of messages that share a millisecond is whatever the plan happens to give.`,
    );
  }
});

test("the page parameter is ignored: no query ever skips documents", async () => {
  const { app } = await appWith(200, 50);
  app.commands.length = 0;
  const first = asPage(await app.get("limit=10"), "GET /messages?limit=10");
  const paged = asPage(await app.get("page=5&limit=10"), "GET /messages?page=5&limit=10");
  assert.deepEqual(paged.items.map((m) => m.id), first.items.map((m) => m.id), "expected ?page=5 to be ignored (the same first page as without it)");
  const skips = app.commands.filter((c) => c.commandName === "find" && Number(c.command.skip ?? 0) > 0);
  assert.deepEqual(skips.map((c) => c.command.skip), [], "expected no find with a skip: a cursor replaces offsets entirely");
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
