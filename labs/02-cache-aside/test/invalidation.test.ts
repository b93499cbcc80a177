import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { getUser, nameOf, patchUser, sleep, startHarness, type Harness, type LabEvent } from "./harness.ts";

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

test("another instance sees a PATCH within a few seconds (its in-process entry expires)", async () => {
  const a = await h.startApp({ name: "A" });
  const b = await h.startApp({ name: "B" });
  const [id] = await h.seed(1, "old name");
  for (let i = 0; i < 3; i++) {
    assert.equal((await getUser(a, id!)).status, 200);
    assert.equal((await getUser(b, id!)).status, 200);
  }
  assert.equal((await patchUser(a, id!, { name: "new name" })).status, 200);
  const patchedAt = Date.now();
  // B cannot be told about A's write; its local copy may serve the old name until its TTL ends.
  // The README asks for a TTL of at most 5 s; 8 s leaves room for a busy machine.
  let seen = nameOf((await getUser(b, id!)).body);
  while (seen !== "new name" && Date.now() - patchedAt < 8_000) {
    await sleep(200);
    seen = nameOf((await getUser(b, id!)).body);
  }
  assert.equal(
    seen,
    "new name",
    `expected instance B to return the new name within a few seconds of A's PATCH; after 8 s it still returns ${JSON.stringify(seen)}. Give the in-process cache a TTL of a few seconds.`,
  );
});
