// Step 1: each instance's pool is its share of the database's connections, a request that cannot get a
// connection in time is refused quickly, and a connection the server drops does not take the process down.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Instance } from "#kit/testing/index.ts";
import { appEnv, killAll, bookingRequest, call, lockEvent, sleep, startApp, startApps, startStack, tail, tally, type Stack } from "./helpers.ts";

const instances = 8;
const maxConnections = 50;
const poolMax = 4;
let stack: Stack;
const started: Instance[] = [];

before(async () => {
  stack = await startStack({ maxConnections });
});
after(async () => {
  try {
    await killAll(started);
  } finally {
    await stack?.close();
  }
});

test(`8 instances with PG_POOL_MAX=${poolMax} take a burst of 400 bookings on a server with max_connections=${maxConnections}, and never hold more than 8 × ${poolMax} connections`, async () => {
  const apps = await startApps(instances, appEnv(stack, stack.directUrl, { PG_POOL_MAX: String(poolMax), PG_POOL_WAIT_MS: "10000" }));
  started.push(...apps);
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await stack.appConnections());
      await sleep(10);
    }
  })();
  const statuses = await Promise.all(
    Array.from({ length: 400 }, async (_, i) => (await call(`${apps[i % instances]!.url}/events/${(i % 8) + 1}/bookings`, { ...bookingRequest(`guest ${i}`), timeoutMs: 30_000 })).status),
  );
  sampling = false;
  await sampler;
  const failed = statuses.filter((s) => s !== 201).length;
  assert.equal(
    failed,
    0,
    `expected all 400 bookings to answer 201; got ${tally(statuses)}. If the instances' logs say "too many clients", their pools asked for more than max_connections=${maxConnections} (eight pools of pg's default size, 10, would want 80). Instance 1 printed:\n${tail(apps[0]!)}`,
  );
  assert.ok(peak <= instances * poolMax, `the app held up to ${peak} connections to PostgreSQL at once; 8 instances × PG_POOL_MAX=${poolMax} allows ${instances * poolMax}`);
  assert.ok(peak > instances, `the app held at most ${peak} connections during a burst of 400: each instance should use up to PG_POOL_MAX=${poolMax} when it is busy`);
  await killAll(apps);
});

test("with every pooled connection busy, a request waits at most PG_POOL_WAIT_MS, then gets a 503 with Retry-After", async () => {
  const app = await startApp(appEnv(stack, stack.directUrl, { PG_POOL_MAX: "1", PG_POOL_WAIT_MS: "300", PG_STATEMENT_TIMEOUT_MS: "60000" }), "the instance");
  started.push(app);
  const holder = await lockEvent(stack, 3);
  try {
    const stuck = call(`${app.url}/events/3/bookings`, { ...bookingRequest("waits for the lock"), timeoutMs: 20_000 });
    await sleep(500); // the booking now holds the only pooled connection, waiting for the row lock
    const t0 = performance.now();
    const reply = await call(`${app.url}/events/4`, { timeoutMs: 8_000 });
    const waited = performance.now() - t0;
    assert.equal(reply.status, 503, `expected GET /events/4 to be refused with 503 after PG_POOL_WAIT_MS=300 (the only connection is busy); got ${reply.status === 0 ? "no answer within 8 s" : reply.status} after ${Math.round(waited)} ms. The instance printed:\n${tail(app)}`);
    assert.ok(reply.headers.get("retry-after"), "expected the 503 to say when to come back (Retry-After)");
    assert.ok(waited < 5_000, `the 503 came after ${Math.round(waited)} ms; PG_POOL_WAIT_MS is 300`);
    await holder.release();
    const booked = await stuck;
    assert.equal(booked.status, 201, `the booking that waited for the row lock should succeed once it is free; got ${booked.status} ${JSON.stringify(booked.body)}`);
    const again = await call(`${app.url}/events/4`);
    assert.equal(again.status, 200, `once the connection is free, GET /events/4 should answer 200; got ${again.status}`);
  } finally {
    await holder.release();
    await killAll([app]);
  }
});

test("when PostgreSQL closes the pool's idle connections, the instance stays up and the next request works", async () => {
  const app = await startApp(appEnv(stack, stack.directUrl, { PG_POOL_MAX: "4" }), "the instance");
  started.push(app);
  await Promise.all([1, 2, 3, 4].map((id) => call(`${app.url}/events/${id + 10}`)));
  const { rows } = await stack.admin.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::integer AS n FROM pg_stat_activity
      WHERE datname = 'app' AND backend_type = 'client backend' AND application_name <> 'bookings-listener' AND query NOT ILIKE 'LISTEN%'`,
  );
  assert.ok((rows[0]?.n ?? 0) > 0, "the test found no idle pooled connection of the app to close");
  await sleep(500);
  assert.equal(app.child.exitCode, null, `the instance exited (code ${app.child.exitCode}) when PostgreSQL closed its idle connections: the pool emits "error" for them, and an "error" event nobody listens to ends the process. It printed:\n${tail(app)}`);
  const reply = await call(`${app.url}/events/20`);
  assert.equal(reply.status, 200, `expected GET /events/20 to work on fresh connections; got ${reply.status} ${JSON.stringify(reply.body)}`);
  await killAll([app]);
});
