import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { call, callsSince, freshUser, keysByPrimary, keysOutsideNamespace, said, snapshot, spread, useLab } from "./helpers.ts";

const TTL_SECONDS = 600;
/** Commands that only read: none of them may reach a replica when read-your-write is promised. */
const reads = ["get", "mget", "hgetall", "hget", "exists", "ttl", "pttl", "strlen"];

describe("step 1: the app talks to the cluster, and reads what it just wrote", () => {
  // One replica per primary, so that a client reading from replicas has somewhere to read from.
  const lab = useLab({ replicasPerPrimary: 1, env: { SESSION_TTL_SECONDS: String(TTL_SECONDS), RUN_WORKERS: "0" } });

  test("sessions are stored in the cluster, spread over all three primaries", async () => {
    const created: string[] = [];
    for (let i = 0; i < 30; i++) {
      const reply = await call(lab(), "POST", "/api/sessions", { user: freshUser() });
      assert.equal(reply.status, 201, `expected POST /api/sessions to create a session (201); got ${said(reply)}`);
      created.push(String(reply.json.sid));
    }
    const keys = (await keysByPrimary(lab())).filter((k) => created.some((sid) => k.key.includes(sid)));
    const counts = spread(keys, 3);
    assert.equal(
      keys.length,
      30,
      `expected the 30 sessions just created to be keys on the cluster (REDIS_CLUSTER_URL); found ${keys.length}. The app still keeps them in the one Redis of REDIS_URL: connect to the cluster's nodes instead.`,
    );
    assert.ok(counts.every((n) => n > 0), `expected sessions on each of the three primaries; per primary: ${counts.join(" / ")}. A session key needs no hash tag: sessions are never read together.`);
  });

  test("a session is readable the moment it is created, and every read goes to a primary", async () => {
    const before = await snapshot(lab().replicas);
    for (let i = 0; i < 40; i++) {
      const user = freshUser();
      const created = await call(lab(), "POST", "/api/sessions", { user });
      assert.equal(created.status, 201, `expected a session to be created; got ${said(created)}`);
      const read = await call(lab(), "GET", `/api/sessions/${created.json.sid}`);
      assert.equal(read.status, 200, `expected the session created a moment ago to be found (read-your-write); got ${said(read)}`);
      assert.equal(read.json.user, user, `expected the session to belong to ${user}; got ${said(read)}`);
    }
    const delta = await callsSince(lab().replicas, before);
    const onReplicas = reads.reduce((sum, name) => sum + (delta.get(name) ?? 0), 0);
    assert.equal(
      onReplicas,
      0,
      `expected no read to reach a replica (the app promises that a session or cart written a moment ago is read back, and a replica may lag behind its primary); the replicas served ${onReplicas} read command(s): ${[...delta].filter(([n]) => reads.includes(n)).map(([n, c]) => `${n} ×${c}`).join(", ")}. Look at where the cluster client sends reads.`,
    );
  });

  test(`a session's key expires after SESSION_TTL_SECONDS (${TTL_SECONDS} s), counted in seconds`, async () => {
    const created = await call(lab(), "POST", "/api/sessions", { user: freshUser() });
    assert.equal(created.status, 201, `expected a session to be created; got ${said(created)}`);
    const sid = String(created.json.sid);
    const key = (await keysByPrimary(lab())).find((k) => k.key.includes(sid));
    assert.ok(key, `expected a key holding session ${sid} on the cluster; found none`);
    const pttl = await lab().primaries[key.primary]!.client.pttl(key.key);
    assert.ok(pttl > (TTL_SECONDS - 30) * 1000 && pttl <= TTL_SECONDS * 1000, `expected the session key to expire in about ${TTL_SECONDS} s; its PTTL is ${pttl} ms (-1: no expiry)`);
  });

  test("an unknown session is 404, and a malformed id or body is 400 with a JSON error", async () => {
    const unknown = await call(lab(), "GET", "/api/sessions/00000000-0000-4000-8000-000000000000");
    assert.equal(unknown.status, 404, `expected 404 for a session that does not exist; got ${said(unknown)}`);
    for (const [method, path, body] of [
      ["GET", "/api/sessions/not-a-uuid", undefined],
      ["POST", "/api/sessions", { user: "" }],
      ["POST", "/api/sessions", "{not json"],
    ] as const) {
      const reply = await call(lab(), method, path, body);
      assert.equal(reply.status, 400, `expected 400 for ${method} ${path} ${JSON.stringify(body) ?? ""}; got ${said(reply)}`);
      assert.equal(typeof reply.json.error, "string", `expected a JSON body with an "error" for ${method} ${path}; got ${said(reply)}`);
    }
  });

  test("every key the app wrote carries the run's namespace", async () => {
    // A session of its own first, so that there is a key to judge even when this test runs alone.
    const created = await call(lab(), "POST", "/api/sessions", { user: freshUser() });
    assert.equal(created.status, 201, `expected a session to be created; got ${said(created)}`);
    const sid = String(created.json.sid);
    assert.ok((await keysByPrimary(lab())).some((k) => k.key.includes(sid)), `expected a key holding session ${sid} on the cluster; found none`);
    const outside = await keysOutsideNamespace(lab());
    assert.deepEqual(outside, [], `expected every key on the cluster to contain the namespace "${lab().namespace}" (WORKBOOK_NS), so that runs do not collide; found ${outside.slice(0, 5).join(", ")}`);
  });
});
