import assert from "node:assert/strict";
import { test } from "node:test";
import { freshName, openFeed, publish, sleep } from "./helpers.ts";
import { startStack } from "./stack.ts";

const DRAIN_WINDOW_MS = 2_000;

test("an idle socket through HAProxy outlives timeout client; HAProxy checks /ready", async () => {
  const stack = await startStack({ drainWindowMs: DRAIN_WINDOW_MS, clientTimeout: "1s" });
  const statuses = await stack.status();
  assert.ok(Object.values(statuses).every((s) => s === "UP"), `expected HAProxy to health-check both servers (status UP, not "no check"); got ${JSON.stringify(statuses)}`);
  const feed = await openFeed({ url: stack.url, wsUrl: stack.wsUrl });
  // Silence on both sides for 5 s, five times timeout client and server.
  await sleep(5_000);
  const id = await publish(stack.url, freshName("order"));
  await feed.waitFor("the update published after 5 s of silence", (m) => m.some((x) => x.id === id), 5_000).catch(async (error: Error) => {
    throw new Error(`expected an open feed to survive 5 s of silence through HAProxy (timeout client and server are 1s in this test); ${error.message}; closed with ${await Promise.race([feed.closed, sleep(10).then(() => "(still open)")])}`);
  });
});
