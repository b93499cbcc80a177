import assert from "node:assert/strict";
import { test } from "node:test";
import { connectFeed, type FeedClient, type FeedMessage } from "../src/feed-client.ts";
import { call, describe, freshName, login, ORIGIN, publish, sleep, until } from "./helpers.ts";
import { startStack } from "./stack.ts";

const DRAIN_WINDOW_MS = 2_000;

test("a rolling restart behind HAProxy loses no acknowledged update and sends none twice", async (t) => {
  const stack = await startStack({ drainWindowMs: DRAIN_WINDOW_MS });
  const cookie = await login(stack.url);
  const received: FeedMessage[][] = [];
  const clients: FeedClient[] = [];
  const opens: number[] = [];
  for (let i = 0; i < 12; i++) {
    const mine: FeedMessage[] = [];
    received.push(mine);
    let opened!: () => void;
    const first = new Promise<void>((resolve) => (opened = resolve));
    clients.push(
      connectFeed({
        url: stack.wsUrl,
        cookie,
        origin: ORIGIN,
        backoff: { baseMs: 100, capMs: 2_000 },
        onMessage: (m) => {
          mine.push(m);
          if (m.type === "hello") opened();
        },
        onOpen: () => opens.push(Date.now()),
      }),
    );
    await first;
  }
  const deployFrom = Date.now();
  try {
    await rollingRestart(stack, received, clients);
  } finally {
    // Reconnects per second are reported, not asserted: how they bunch depends on the machine's load.
    // The drain test asserts the cause (closes spread over the window); the bench measures the effect.
    const reopens = opens.filter((at) => at >= deployFrom).sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; i < reopens.length; i++) {
      while (reopens[i]! - reopens[j]! >= 1000) j++;
      peak = Math.max(peak, i - j + 1);
    }
    t.diagnostic(`${reopens.length} reconnects during the deploy, at most ${peak} in any one second`);
    // Clients reconnect forever otherwise, and keep the test process alive.
    for (const client of clients) client.close();
  }
});

async function rollingRestart(stack: Awaited<ReturnType<typeof startStack>>, received: FeedMessage[][], clients: FeedClient[]): Promise<void> {
  const order = freshName("order");
  // A client resumes from the last update it has: make sure each has one before the deploy starts.
  const warm = await publish(stack.url, order, "packed");
  await until("every client to get the first update", () => received.every((mine) => mine.some((m) => m.id === warm)), 10_000);
  const acked: string[] = [];
  let publishing = true;
  const publisher = (async () => {
    while (publishing) {
      const reply = await call(stack.url, "POST", `/orders/${order}/status`, { status: "in_transit" }).catch(() => undefined);
      if (reply?.status === 202 && typeof reply.json.id === "string") acked.push(reply.json.id);
      await sleep(50);
    }
  })();
  try {
    for (const app of stack.apps) {
      await app.restart({ timeoutMs: DRAIN_WINDOW_MS + 8_000 });
      await until(`HAProxy to see ${app.name} UP again`, async () => (await stack.status())[app.name] === "UP", 15_000);
    }
  } finally {
    await sleep(500);
    publishing = false;
    await publisher;
  }
  assert.ok(acked.length > 20, `expected the publisher to get updates acknowledged during the restart; only ${acked.length} were`);
  const last = acked.at(-1)!;
  const updates = (i: number) => received[i]!.filter((m) => m.type === "update").map((m) => m.id!);
  await until("every client to reach the last acknowledged update", () => received.every((_, i) => updates(i).includes(last)), 20_000).catch(() => {});
  for (const [i] of received.entries()) {
    const got = updates(i);
    const missing = acked.filter((id) => !got.includes(id));
    const twice = got.filter((id, j) => got.indexOf(id) !== j);
    assert.ok(missing.length === 0 && twice.length === 0, `expected client ${i + 1} to get each of the ${acked.length} acknowledged updates once; ${missing.length} missing (${missing.slice(0, 3).join(", ")}), ${twice.length} twice; it got ${describe(received[i] as never)}; reconnects: ${clients[i]!.reconnects}`);
  }
}
