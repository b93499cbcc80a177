import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { getUser, nameOf, patchUser, startHarness, type Harness, type LabEvent } from "./harness.ts";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h?.close());

const describe = (event: LabEvent) =>
  event.source === "mongo" ? `mongo ${event.command} ${event.phase}` : `redis ${event.command.toUpperCase()} ${event.args[0] ?? ""}`;

test("a read after PATCH returns the updated user, not the cached one", async () => {
  const app = await h.startApp();
  const [id] = await h.seed(1, "before patch");
  for (let i = 0; i < 5; i++) assert.equal((await getUser(app, id!)).status, 200);
  const patched = await patchUser(app, id!, { name: "after patch" });
  assert.equal(patched.status, 200, `expected PATCH to answer 200; got ${patched.status} ${JSON.stringify(patched.body)}`);
  assert.equal(nameOf(patched.body), "after patch", "expected PATCH to return the updated user");
  const reread = await getUser(app, id!);
  assert.equal(
    nameOf(reread.body),
    "after patch",
    `expected the same instance to read its own PATCH at once; got name ${JSON.stringify(nameOf(reread.body))} (a stale cache entry: delete the Redis key and the in-process entry on write)`,
  );
});

test("PATCH deletes the user's Redis key after MongoDB confirms the update", async () => {
  const app = await h.startApp();
  const [id] = await h.seed(1, "cached");
  const key = h.key(id!);
  // Put an entry in the cache by hand, as a read would have, so this test checks only the write path.
  await h.inspector.set(key, JSON.stringify({ id, name: "cached", email: "cached-1@example.test" }), "EX", 300);
  const from = h.events.length;
  const patched = await patchUser(app, id!, { name: "renamed" });
  assert.equal(patched.status, 200, `expected PATCH to answer 200; got ${patched.status} ${JSON.stringify(patched.body)}`);

  const left = await h.inspector.get(key);
  assert.equal(left, null, `expected PATCH to delete "${key}"; it still holds ${left}. Invalidate by deleting the key, so the next read loads fresh data.`);

  const trace = h.events.slice(from);
  const updateDone = trace.findLastIndex((e) => e.source === "mongo" && e.phase === "succeeded" && e.collection === "users" && (e.command === "findAndModify" || e.command === "update"));
  const deletedAfter = trace.findIndex((e, i) => i > updateDone && e.source === "redis" && (e.command === "del" || e.command === "unlink") && e.args.includes(key));
  assert.ok(updateDone >= 0, "expected PATCH to update the user in MongoDB");
  assert.ok(
    deletedAfter > updateDone,
    `expected DEL ${key} after MongoDB acknowledged the update (deleting first lets a concurrent read put the old value back); the order was: ${trace.map(describe).join(" -> ")}`,
  );
});
