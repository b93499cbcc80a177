// Step 5: the total is an estimate read from collection metadata, not a count of every document.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { CommandStartedEvent } from "mongodb";
import { makeMessages, seedMessages } from "../src/seed.ts";
import { describeReply, startTestApp, type TestApp } from "./support.ts";

let app: TestApp;
before(async () => {
  app = await startTestApp({ seed: (messages) => seedMessages(messages, { count: 400 }) });
});
after(() => app.close());

/** A command that makes the server look at every matching document to count them. */
function isFullCount(event: CommandStartedEvent): boolean {
  const command = event.command as Record<string, unknown>;
  if (event.commandName === "aggregate") {
    // countDocuments() is an aggregate ending in { $group: { _id: 1, n: { $sum: 1 } } }.
    const pipeline = Array.isArray(command.pipeline) ? (command.pipeline as Record<string, unknown>[]) : [];
    return pipeline.some((stage) => "$group" in stage || "$count" in stage);
  }
  if (event.commandName === "count") {
    // estimatedDocumentCount() sends { count: "messages" } with no query: the server answers
    // from metadata. A count with a query scans, like the deprecated collection.count(filter).
    const query = command.query as Record<string, unknown> | undefined;
    return query !== undefined && Object.keys(query).length > 0;
  }
  return false;
}

test("the page reports estimatedTotal, the number of messages", async () => {
  const reply = await app.get("limit=10");
  const body = reply.body as { estimatedTotal?: unknown } | undefined;
  assert.equal(reply.status, 200, describeReply(reply));
  assert.equal(body?.estimatedTotal, 400, `expected estimatedTotal: 400 (messages seeded), got ${JSON.stringify(body?.estimatedTotal)}`);
});

test("a page request does not count every document", async () => {
  app.commands.length = 0;
  const reply = await app.get("limit=10");
  assert.equal(reply.status, 200, describeReply(reply));
  const counts = app.commands.filter(isFullCount).map((c) => `${c.commandName} ${JSON.stringify(c.command.pipeline ?? c.command.query)}`);
  assert.deepEqual(counts, [], "expected no exact count (countDocuments' aggregate or a count with a query); use estimatedDocumentCount()");
  assert.ok(
    app.commands.some((c) => c.commandName === "count"),
    `expected one count command without a query (estimatedDocumentCount); saw ${app.commands.map((c) => c.commandName).join(", ") || "no commands"}`,
  );
});

test("estimatedTotal follows the collection: after 25 inserts the next page, first or later, reports 425", async () => {
  const first = await app.get("limit=10");
  assert.equal(first.status, 200, describeReply(first));
  await app.messages.insertMany(makeMessages({ count: 25, seed: 99, oldest: new Date("2030-01-01T00:00:00.001Z") }));
  const again = await app.get("limit=10");
  const next = (again.body as { next?: unknown } | undefined)?.next;
  const later = typeof next === "string" ? await app.get(`after=${encodeURIComponent(next)}&limit=10`) : undefined;
  for (const [what, reply] of [["page 1", again], ["page 2", later]] as const) {
    const total = (reply?.body as { estimatedTotal?: unknown } | undefined)?.estimatedTotal;
    assert.equal(total, 425, `${what} after inserting 25 more: expected estimatedTotal 425 (read on every request, not remembered from start-up); got ${JSON.stringify(total)} (${reply ? describeReply(reply).slice(0, 120) : "no next cursor on page 1"})`);
  }
  await app.messages.deleteMany({ createdAt: { $gte: new Date("2030-01-01T00:00:00.000Z") } });
});
