// Step 4, with step 2's index: a deep page is read straight off the index, in order. The query
// plan tells: an IXSCAN and no SORT stage, whatever the index's name or how the filter is written.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { seedMessages } from "../src/seed.ts";
import { asPage, startTestApp, type TestApp } from "./support.ts";

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
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
