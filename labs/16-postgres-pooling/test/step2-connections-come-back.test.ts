// Step 2: every request gives its connection back, clean, whatever happened to it; and no statement runs
// longer than PG_STATEMENT_TIMEOUT_MS, through PgBouncer too.
import assert from "node:assert/strict";
import pg from "pg";
import { after, before, test } from "node:test";
import type { Instance } from "#kit/testing/index.ts";
import { appEnv, killAll, bookingRequest, call, lockEvent, lockTable, startApp, startStack, tail, type Stack } from "./helpers.ts";

let stack: Stack;
const started: Instance[] = [];

before(async () => {
  stack = await startStack({ bouncer: true });
});
after(async () => {
  try {
    await killAll(started);
  } finally {
    await stack?.close();
  }
});

const idleInTransaction = async () =>
  (await stack.admin.query<{ n: number }>("SELECT count(*)::integer AS n FROM pg_stat_activity WHERE datname = 'app' AND state LIKE 'idle in transaction%'")).rows[0]?.n ?? 0;

test("sold-out and refused bookings give their connection back: with PG_POOL_MAX=2, ten of them leave the instance working", async () => {
  const app = await startApp(appEnv(stack, stack.directUrl, { PG_POOL_MAX: "2", PG_POOL_WAIT_MS: "1000" }), "the instance");
  started.push(app);
  await stack.sql("UPDATE events SET capacity = 1 WHERE id = 7");
  const first = await call(`${app.url}/events/7/bookings`, bookingRequest("the only seat"));
  assert.equal(first.status, 201, `the first booking of event 7 should succeed; got ${first.status} ${JSON.stringify(first.body)}`);
  for (let i = 1; i <= 5; i++) {
    const late = await call(`${app.url}/events/7/bookings`, { ...bookingRequest(`late ${i}`), timeoutMs: 4_000 });
    assert.equal(late.status, 409, `sold-out booking ${i} of 5: expected 409; got ${late.status === 0 ? "no answer within 4 s" : late.status} (no answer, or a 503, means the pool ran dry: an earlier request did not give its connection back). The instance printed:\n${tail(app)}`);
  }
  for (let i = 1; i <= 5; i++) {
    const refused = await call(`${app.url}/events/8/bookings`, { ...bookingRequest("x".repeat(200)), timeoutMs: 4_000 });
    assert.equal(refused.status, 400, `refused booking ${i} of 5 (a 200-character name, over the table's 80): expected 400; got ${refused.status === 0 ? "no answer within 4 s" : refused.status}. The instance printed:\n${tail(app)}`);
  }
  const fine = await call(`${app.url}/events/8/bookings`, { ...bookingRequest("fits"), timeoutMs: 5_000 });
  assert.equal(fine.status, 201, `after ten failed bookings, a good one should still succeed; got ${fine.status === 0 ? "no answer within 5 s" : fine.status} ${JSON.stringify(fine.body)}`);
  assert.equal(await idleInTransaction(), 0, "a connection of the app is still 'idle in transaction': a request ended without COMMIT or ROLLBACK, and its locks and its connection stay taken");
  await killAll([app]);
});

test("a connection goes back rolled back: after a refused booking, the next request on the same connection works", async () => {
  const app = await startApp(appEnv(stack, stack.directUrl, { PG_POOL_MAX: "1", PG_POOL_WAIT_MS: "1000" }), "the instance");
  started.push(app);
  for (let i = 0; i < 3; i++) {
    const refused = await call(`${app.url}/events/9/bookings`, { ...bookingRequest("y".repeat(81)), timeoutMs: 5_000 });
    assert.equal(refused.status, 400, `expected a 400 for an 81-character name; got ${refused.status} ${JSON.stringify(refused.body)}`);
    const next = await call(`${app.url}/events/9/bookings`, { ...bookingRequest(`guest ${i}`), timeoutMs: 5_000 });
    assert.equal(next.status, 201, `the booking after a refused one should succeed on the same (only) connection; got ${next.status} ${JSON.stringify(next.body)}. A connection handed back inside a failed transaction fails everything after it ("current transaction is aborted"). The instance printed:\n${tail(app)}`);
  }
  await killAll([app]);
});

test("through PgBouncer, PostgreSQL cancels any statement past PG_STATEMENT_TIMEOUT_MS (a lock wait, a slow insert, a read) with a 503, and the limit leaves with its transaction", async () => {
  const app = await startApp(appEnv(stack, stack.bouncerUrl, { PG_POOL_MAX: "2", PG_POOL_WAIT_MS: "2000", PG_STATEMENT_TIMEOUT_MS: "400" }), "the instance");
  started.push(app);
  const ok = await call(`${app.url}/events/10/bookings`, { ...bookingRequest("before"), timeoutMs: 5_000 });
  assert.equal(ok.status, 201, `through PgBouncer, a booking should succeed before anything else is tried; got ${ok.status} ${JSON.stringify(ok.body)}. The instance printed:\n${tail(app)}`);
  const holder = await lockEvent(stack, 11);
  try {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const t0 = performance.now();
      const stuck = await call(`${app.url}/events/11/bookings`, { ...bookingRequest(`attempt ${attempt}`), timeoutMs: 8_000 });
      const took = performance.now() - t0;
      assert.equal(stuck.status, 503, `attempt ${attempt}: expected a 503 once the statement ran past PG_STATEMENT_TIMEOUT_MS=400 while the event's row was locked; got ${stuck.status === 0 ? "no answer within 8 s" : stuck.status} after ${Math.round(took)} ms. The instance printed:\n${tail(app)}`);
      assert.ok(took < 5_000, `attempt ${attempt}: the 503 came after ${Math.round(took)} ms; PG_STATEMENT_TIMEOUT_MS is 400`);
      const waiting = (await stack.admin.query<{ n: number }>("SELECT count(*)::integer AS n FROM pg_stat_activity WHERE datname = 'app' AND wait_event_type = 'Lock'")).rows[0]?.n ?? 0;
      assert.equal(waiting, 0, `attempt ${attempt}: after the 503, ${waiting} statement(s) of the app were still waiting for the lock in PostgreSQL: giving up in the client does not stop the server; PostgreSQL must cancel the statement itself`);
    }
  } finally {
    await holder.release();
  }
  // A statement that is slow with no lock in sight: a trigger that sleeps 3 s on every booking of event 13.
  await stack.sql(`CREATE FUNCTION slow_booking() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$`);
  await stack.sql("CREATE TRIGGER slow_booking BEFORE INSERT ON bookings FOR EACH ROW WHEN (NEW.event_id = 13) EXECUTE FUNCTION slow_booking()");
  const t0 = performance.now();
  const slow = await call(`${app.url}/events/13/bookings`, { ...bookingRequest("slow"), timeoutMs: 8_000 });
  const slowMs = performance.now() - t0;
  assert.equal(slow.status, 503, `a booking whose INSERT runs 3 s (a trigger sleeps) should be cancelled after PG_STATEMENT_TIMEOUT_MS=400 and answered 503; got ${slow.status === 0 ? "no answer within 8 s" : slow.status} after ${Math.round(slowMs)} ms. A limit on waiting for locks does not bound a slow statement`);
  assert.ok(slowMs < 2_500, `the 503 for the slow booking came after ${Math.round(slowMs)} ms; PG_STATEMENT_TIMEOUT_MS is 400 and the statement takes 3,000`);

  // A read is one statement outside any transaction of the app's: it gets the same limit.
  const table = await lockTable(stack, "events");
  try {
    const t0 = performance.now();
    const read = await call(`${app.url}/events/12`, { timeoutMs: 8_000 });
    const took = performance.now() - t0;
    assert.equal(read.status, 503, `with the events table locked, GET /events/12 should be cancelled after PG_STATEMENT_TIMEOUT_MS=400 and answered 503; got ${read.status === 0 ? "no answer within 8 s" : read.status} after ${Math.round(took)} ms`);
    assert.ok(took < 5_000, `the 503 for GET /events/12 came after ${Math.round(took)} ms; PG_STATEMENT_TIMEOUT_MS is 400`);
  } finally {
    await table.release();
  }
  const after = await call(`${app.url}/events/11/bookings`, { ...bookingRequest("after"), timeoutMs: 5_000 });
  assert.equal(after.status, 201, `once the lock is gone, booking event 11 should succeed; got ${after.status} ${JSON.stringify(after.body)}`);
  // Committed transactions too: whatever they set must leave with them.
  for (let i = 0; i < 4; i++) {
    const more = await call(`${app.url}/events/14/bookings`, { ...bookingRequest(`more ${i}`), timeoutMs: 5_000 });
    assert.equal(more.status, 201, `booking ${i + 1} of 4 on event 14: expected 201; got ${more.status} ${JSON.stringify(more.body)}`);
  }
  // What the next client of PgBouncer then finds on the server connections: the server's default, untouched.
  const other = new pg.Client({ connectionString: stack.bouncerUrl });
  await other.connect();
  try {
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) seen.push(String((await other.query<{ statement_timeout: string }>("SHOW statement_timeout")).rows[0]?.statement_timeout));
    assert.deepEqual(seen, Array(8).fill("0"), `another client of PgBouncer found statement_timeout set to ${seen.join(", ")} on the server connections it was lent, where the server's default is 0: a setting made for the session stays on the server connection after the transaction, for whoever borrows it next`);
  } finally {
    await other.end();
  }

  await killAll([app]);
});
