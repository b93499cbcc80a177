// Step 5: the total is an estimate read from collection metadata, not a count of every document.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { CommandStartedEvent } from "mongodb";
import { seedMessages } from "../src/seed.ts";
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
