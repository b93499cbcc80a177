import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { test } from "node:test";
import { call, describe, freshName, openFeed, publish, until } from "./helpers.ts";
import { startApp } from "./helpers.ts";

const BOUND = 64 * 1024;
const NOTE = "n".repeat(48 * 1024);
const UPDATES = 250; // about 12 MB: far more than the kernel's socket buffers take from a client that reads nothing

test("a client that stops reading is dropped with 1013 once its buffer passes the bound, and the others get everything", async () => {
  const app = await startApp({ MAX_BUFFERED_BYTES: String(BOUND) });
  const slow = await openFeed(app);
  const fast = await openFeed(app);
  // The slow client's process stops reading its socket: what the server sends piles up.
  const socket = (slow.ws as unknown as { _socket: Socket })._socket;
  socket.pause();
  const order = freshName("order");
  let peak = 0;
  for (let i = 0; i < UPDATES; i++) {
    await publish(app.url, order, "in_transit", NOTE);
    if (i % 25 === 24) peak = Math.max(peak, Number((await call(app.url, "GET", "/stats")).json.bufferedBytes));
  }
  await fast.waitFor(`all ${UPDATES} updates on the client that reads`, (m) => m.filter((x) => x.type === "update").length >= UPDATES, 30_000).catch((error: Error) => {
    throw new Error(`expected a slow client not to hold up the others; ${error.message}`);
  });
  let stats: Record<string, unknown> = {};
  await until("the server to stop treating the slow client as open", async () => {
    stats = (await call(app.url, "GET", "/stats")).json;
    return Number(stats.open) === 1;
  }, 10_000).catch(() => {
    throw new Error(`expected the slow client to be dropped (1 open socket left, the fast one); /stats says ${JSON.stringify(stats)}`);
  });
  const limit = BOUND + NOTE.length + 4096;
  assert.ok(peak <= limit && Number(stats.bufferedBytes) <= limit, `expected what the server buffers for the slow client to stay within MAX_BUFFERED_BYTES (${BOUND}) plus one update; peak ${peak} bytes, now ${stats.bufferedBytes}`);
  socket.resume();
  const code = await Promise.race([slow.closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 15_000))]);
  assert.equal(code, 1013, `expected the slow client's socket to end with close code 1013 (Try Again Later) once it reads again; got ${code === -1 ? "no close within 15 s" : code}`);
  assert.ok(slow.updates().length < UPDATES, `expected the slow client to miss updates (it resumes with lastId); got all ${describe(slow.updates())}`);
});
