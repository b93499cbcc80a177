// Step 3: behind PgBouncer in transaction mode, consecutive transactions of one client run on different
// server connections. Nothing the app relies on may live on a server connection between them.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Instance } from "#kit/testing/index.ts";
import { appEnv, bookingRequest, call, killAll, lockTable, startApp, untilSettledOrWaiting, startApps, startStack, tail, tally, type Stack } from "./helpers.ts";

let stack: Stack;
let apps: Instance[] = [];

before(async () => {
  // PostgreSQL's own default time zone is not UTC here, as on many a managed server.
  stack = await startStack({ bouncer: true, timeZone: "Pacific/Chatham" });
  apps = await startApps(3, appEnv(stack, stack.bouncerUrl, { PG_POOL_MAX: "4", PG_POOL_WAIT_MS: "5000" }));
});
after(async () => {
  try {
    await killAll(apps);
  } finally {
    await stack?.close();
  }
});

test("bookedAt is in the requester's X-Time-Zone, and in UTC for every request that gives none, on every instance", async () => {
  const kathmandu = await call(`${apps[0]!.url}/events/20/bookings`, bookingRequest("from Kathmandu", "Asia/Kathmandu"));
  assert.equal(kathmandu.status, 201, `expected 201; got ${kathmandu.status} ${JSON.stringify(kathmandu.body)}. Instance 1 printed:\n${tail(apps[0]!)}`);
  assert.match(String(kathmandu.body.bookedAt), /\+05:45$/, `with X-Time-Zone: Asia/Kathmandu, bookedAt should end in +05:45; got ${kathmandu.body.bookedAt}`);
  const zones: string[] = [];
  for (let i = 0; i < 12; i++) {
    const reply = await call(`${apps[i % 3]!.url}/events/21/bookings`, bookingRequest(`guest ${i}`));
    assert.equal(reply.status, 201, `booking ${i + 1} without a time zone: expected 201; got ${reply.status} ${JSON.stringify(reply.body)}`);
    zones.push(String(reply.body.bookedAt).slice(19));
  }
  assert.deepEqual(
    zones,
    Array(12).fill("+00:00"),
    `twelve bookings without X-Time-Zone should all be in UTC (+00:00); their offsets were ${zones.join(" ")}. +05:45 is the earlier request's zone still set on a connection; +13:45 or +12:45 is the server's default (Pacific/Chatham), which is not UTC`,
  );
  const bogus = await call(`${apps[1]!.url}/events/21/bookings`, bookingRequest("from nowhere", "Mars/Olympus_Mons"));
  assert.equal(bogus.status, 400, `an unknown time zone should be the request's fault, 400; got ${bogus.status} ${JSON.stringify(bogus.body)}`);
});

test("60 concurrent reads of uncached events from 3 instances through PgBouncer all succeed", async () => {
  const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => call(`${apps[i % 3]!.url}/events/${(i % 50) + 1}`)));
  const statuses = replies.map((r) => r.status);
  const failed = replies.find((r) => r.status !== 200);
  assert.equal(
    statuses.filter((s) => s !== 200).length,
    0,
    `expected 60 × 200; got ${tally(statuses)}. The first failure said ${JSON.stringify(failed?.body)}. Instance 1 printed:\n${tail(apps[0]!)}`,
  );
});

test("reminders go out once per booking under concurrent runs, a later run is not refused, and no advisory lock stays behind", async () => {
  await stack.sql("INSERT INTO bookings (event_id, name) SELECT 30, 'guest ' || n FROM generate_series(1, 30) AS n");
  // The test holds reminders_sent locked while the six runs start, so that each gets as far as its first
  // reminder and waits there: they overlap for certain, as they might by chance in production.
  const table = await lockTable(stack, "reminders_sent");
  let answered = 0;
  const pending = Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      call(`${apps[i % 3]!.url}/events/30/reminders`, { method: "POST", timeoutMs: 15_000 }).finally(() => answered++),
    ),
  );
  // Released only once every run has answered or waits on the table: on a busy machine a fixed pause could
  // end before a run had started, and runs that start one after another never overlap.
  await untilSettledOrWaiting(stack, () => answered, 6);
  await table.release();
  const runs = await pending;
  const statuses = runs.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 200 || s === 409), `six concurrent runs should each answer 200 (it ran) or 409 (another was running); got ${tally(statuses)}. First body: ${JSON.stringify(runs.find((r) => r.status !== 200 && r.status !== 409)?.body)}`);
  const [sent] = await stack.sql<{ rows: number; bookings: number }>("SELECT count(*)::integer AS rows, count(DISTINCT booking_id)::integer AS bookings FROM reminders_sent");
  assert.equal(sent?.bookings, 30, `every one of the 30 bookings should have been reminded; ${sent?.bookings} were`);
  assert.equal(sent?.rows, 30, `30 bookings got ${sent?.rows} reminders: two runs sent the same reminders at once`);
  const reported = runs.filter((r) => r.status === 200).reduce((sum, r) => sum + Number(r.body.sent), 0);
  assert.equal(reported, 30, `the runs that answered 200 reported ${reported} reminders sent in all; 30 were`);
  const locks = (await stack.admin.query<{ n: number }>("SELECT count(*)::integer AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0]?.n ?? 0;
  assert.equal(locks, 0, `after every run finished, PostgreSQL still holds ${locks} advisory lock(s): a lock taken for the session stays on the server connection PgBouncer lent, whoever borrows it next`);
  for (let i = 0; i < 3; i++) {
    const later = await call(`${apps[i]!.url}/events/30/reminders`, { method: "POST" });
    assert.equal(later.status, 200, `a run on instance ${i + 1} after the others finished should not be refused; got ${later.status} ${JSON.stringify(later.body)}`);
    assert.equal(later.body.sent, 0, `a later run should find nothing left to send; it sent ${later.body.sent}`);
  }
});

test("a reminder run cancelled by the statement timeout answers 503, leaves no lock, and the next run sends everything", async () => {
  const quick = await startApp(appEnv(stack, stack.bouncerUrl, { PG_POOL_MAX: "2", PG_STATEMENT_TIMEOUT_MS: "300" }), "an instance with PG_STATEMENT_TIMEOUT_MS=300");
  apps.push(quick);
  await stack.sql("INSERT INTO bookings (event_id, name) SELECT 31, 'guest ' || n FROM generate_series(1, 10) AS n");
  const table = await lockTable(stack, "reminders_sent");
  let cancelled;
  try {
    cancelled = await call(`${quick.url}/events/31/reminders`, { method: "POST", timeoutMs: 8_000 });
  } finally {
    await table.release();
  }
  assert.equal(cancelled.status, 503, `a run whose statement waits past PG_STATEMENT_TIMEOUT_MS=300 should answer 503; got ${cancelled.status === 0 ? "no answer within 8 s" : cancelled.status} ${JSON.stringify(cancelled.body)}. The instance printed:\n${tail(quick)}`);
  const locks = (await stack.admin.query<{ n: number }>("SELECT count(*)::integer AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0]?.n ?? 0;
  assert.equal(locks, 0, `after the cancelled run, PostgreSQL still holds ${locks} advisory lock(s)`);
  const statuses: number[] = [];
  let sent = 0;
  for (let i = 0; i < 3; i++) {
    const next = await call(`${apps[i]!.url}/events/31/reminders`, { method: "POST" });
    statuses.push(next.status);
    sent += Number(next.body.sent ?? 0);
  }
  assert.deepEqual(statuses, [200, 200, 200], `three runs after the cancelled one, one after another, should each answer 200; got ${statuses.join(", ")}`);
  assert.equal(sent, 10, `the runs after the cancelled one should send the 10 reminders it did not; they sent ${sent}`);
});
