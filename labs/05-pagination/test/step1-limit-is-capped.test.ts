// Step 1: the server decides how big a page can be. Default 20; anything above 100 is lowered to
// 100; a limit that is not a whole number >= 1 written in digits, or is given twice, is a 400.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { seedMessages } from "../src/seed.ts";
import { describeReply, isJson400, startTestApp, type Reply, type TestApp } from "./support.ts";

let app: TestApp;
before(async () => {
  app = await startTestApp({ seed: (messages) => seedMessages(messages, { count: 250 }) });
});
after(() => app.close());

/** The items of a 200 reply; only the items matter for these tests, not how paging is done. */
function itemCount(reply: Reply, what: string): number {
  const items = (reply.body as { items?: unknown } | undefined)?.items;
  assert.ok(reply.status === 200 && Array.isArray(items), `${what}: expected 200 with an items array, got ${describeReply(reply)}`);
  return items.length;
}

test("without a limit, a page holds 20 messages", async () => {
  assert.equal(itemCount(await app.get(), "GET /messages"), 20);
});

test("a limit up to 100 is honoured", async () => {
  for (const limit of [1, 5, 100]) {
    assert.equal(itemCount(await app.get(`limit=${limit}`), `limit=${limit}`), limit, `limit=${limit}`);
  }
});

test("limit=1000000 is lowered to 100, it never returns the whole collection", async () => {
  for (const limit of ["101", "1000000", "99999999999999999999999"]) {
    const count = itemCount(await app.get(`limit=${limit}`), `limit=${limit}`);
    assert.equal(count, 100, `expected limit=${limit} to be lowered to 100 (250 messages exist); got ${count} items`);
  }
});

test("the database is never asked for more than 101 documents for one page", async () => {
  app.commands.length = 0;
  await app.get("limit=1000000");
  const finds = app.commands.filter((c) => c.commandName === "find");
  assert.ok(finds.length > 0, "expected the request to send a find command");
  for (const find of finds) {
    const limit = Number(find.command.limit ?? 0);
    assert.ok(
      limit > 0 && limit <= 101,
      `expected every find to carry a limit of at most 101 (a page of 100 plus one to see if more exist); got ${JSON.stringify(find.command.limit)}. Capping only the response still makes the database read everything.`,
    );
  }
});

test("a negative, zero, non-numeric or repeated limit gets 400 with a JSON error", async () => {
  const bad = ["limit=-5", "limit=0", "limit=-0", "limit=abc", "limit=", "limit=2.5", "limit=12abc", "limit=NaN", "limit=Infinity",
    "limit=-1000000", "limit[]=5", "limit=5&limit=6", "limit[max]=5"];
  const wrong: string[] = [];
  for (const query of bad) {
    const reply = await app.get(query);
    if (!isJson400(reply)) wrong.push(`?${query} → ${describeReply(reply)}`);
  }
  assert.deepEqual(wrong, [], "each of these should be 400 with {\"error\": \"...\"}");
});
