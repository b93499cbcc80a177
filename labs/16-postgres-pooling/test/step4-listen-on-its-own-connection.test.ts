// Step 4: a booking on one instance evicts the event from every instance's cache at once, through
// NOTIFY; the listener keeps listening when its connection is lost, and never holds a pooled one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Instance } from "#kit/testing/index.ts";
import { appEnv, bookingRequest, call, killAll, sleep, startApp, startApps, startStack, tail, type Stack } from "./helpers.ts";

let stack: Stack;
let apps: Instance[] = [];
const started: Instance[] = [];

before(async () => {
  stack = await startStack({ bouncer: true });
  apps = await startApps(2, appEnv(stack, stack.bouncerUrl, { PG_POOL_MAX: "3" }));
});
after(async () => {
  try {
    await killAll([...apps, ...started]);
  } finally {
    await stack?.close();
  }
});

/** Read event `id` on `app` until `booked` reaches `expected` or `withinMs` passes; the last count seen. */
async function waitForBooked(app: Instance, id: number, expected: number, withinMs: number): Promise<number> {
  const deadline = performance.now() + withinMs;
  let booked = -1;
  do {
    const reply = await call(`${app.url}/events/${id}`);
    booked = Number(reply.body.booked);
    if (booked === expected) return booked;
    await sleep(100);
  } while (performance.now() < deadline);
  return booked;
}

test("a booking on instance 2 shows on instance 1 within 3 s, though instance 1 had the event cached", async () => {
  const [a, b] = apps as [Instance, Instance];
  await sleep(500); // both listeners connect
  assert.equal((await call(`${a.url}/events/40`)).body.booked, 0);
  const cached = await call(`${a.url}/events/40`);
  assert.equal(cached.headers.get("x-cache"), "hit", "precondition: instance 1 should now serve event 40 from its cache");
  const booked = await call(`${b.url}/events/40/bookings`, bookingRequest("on instance 2"));
  assert.equal(booked.status, 201, `expected 201; got ${booked.status} ${JSON.stringify(booked.body)}`);
  const seen = await waitForBooked(a, 40, 1, 3_000);
  assert.equal(seen, 1, `instance 1 still says ${seen} booked 3 s after instance 2 booked event 40: it never heard the NOTIFY. LISTEN through PgBouncer in transaction mode hears nothing once its transaction ends. Instance 1 printed:\n${tail(a)}`);
});

test("when PostgreSQL drops the listener's connection and refuses new ones for a while, the instance stays up, listens again, and hears the next booking", async () => {
  const [a, b] = apps as [Instance, Instance];
  await call(`${a.url}/events/41`);
  // For a second and a half the database also refuses new connections, as during a restart or a failover.
  await stack.admin.query("ALTER DATABASE app ALLOW_CONNECTIONS false");
  try {
    const { rows } = await stack.admin.query<{ n: number }>(
      "SELECT count(pg_terminate_backend(pid))::integer AS n FROM pg_stat_activity WHERE datname = 'app' AND (application_name = 'bookings-listener' OR query ILIKE 'LISTEN%')",
    );
    assert.ok((rows[0]?.n ?? 0) >= 2, `the test expected to find both instances' listening connections on PostgreSQL; found ${rows[0]?.n}`);
    await sleep(1_500);
  } finally {
    await stack.admin.query("ALTER DATABASE app ALLOW_CONNECTIONS true");
  }
  assert.equal(a.child.exitCode, null, `instance 1 exited (code ${a.child.exitCode}) when its listening connection was closed and could not be opened again for a while. It printed:\n${tail(a)}`);
  await sleep(2_000); // the listener's next attempt
  // Cached again after the drop, so only a notification can make it fresh.
  await call(`${a.url}/events/41`);
  const cached = await call(`${a.url}/events/41`);
  assert.equal(cached.headers.get("x-cache"), "hit", "precondition: instance 1 should serve event 41 from its cache again");
  const booked = await call(`${b.url}/events/41/bookings`, bookingRequest("after the drop"));
  assert.equal(booked.status, 201, `expected 201; got ${booked.status} ${JSON.stringify(booked.body)}`);
  const seen = await waitForBooked(a, 41, 1, 6_000);
  assert.equal(seen, 1, `instance 1 still says ${seen} booked for event 41, 6 s after a booking made once its listening connection had been dropped: it stopped listening. It printed:\n${tail(a)}`);
});

test("the listener does not take a connection from the pool: with PG_POOL_MAX=1, requests still get one", async () => {
  const app = await startApp(appEnv(stack, stack.bouncerUrl, { PG_POOL_MAX: "1", PG_POOL_WAIT_MS: "1000" }), "an instance with PG_POOL_MAX=1");
  started.push(app);
  await sleep(500);
  for (const id of [42, 43, 44]) {
    const reply = await call(`${app.url}/events/${id}`, { timeoutMs: 5_000 });
    assert.equal(reply.status, 200, `GET /events/${id} on an instance with PG_POOL_MAX=1: expected 200; got ${reply.status} ${JSON.stringify(reply.body)}. If the listener holds the pool's only connection, no request ever gets it`);
  }
});
