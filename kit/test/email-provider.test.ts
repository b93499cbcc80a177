import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { after, afterEach, describe, test } from "node:test";
import fc from "fast-check";
import { Counter, Registry } from "prom-client";
import { startEmailProvider, type EmailProvider, type EmailProviderOptions, type EmailProviderStats } from "../testing/index.ts";

const started: EmailProvider[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.close()));
});

/** A provider on a scripted clock: set `clock.t` (ms) before each call. */
async function provider(options: Partial<EmailProviderOptions> & { callsPerSecond: number }) {
  const clock = { t: 0 };
  const p = await startEmailProvider({ now: () => clock.t, ...options });
  started.push(p);
  return { p, clock };
}

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function send(p: EmailProvider, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const payload = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  const res = await fetch(`${p.url}/emails`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: payload });
  const text = await res.text();
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/, `${res.status} answer is JSON: ${text}`);
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as Record<string, unknown> };
}

const mail = (to = "ada@example.com", subject = "Your order") => ({ to, subject, body: "Thanks!" });

/** Sends `n` calls one after the other and returns their statuses. */
async function statuses(p: EmailProvider, n: number, body: unknown = mail()): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send(p, body)).status);
  return out;
}

/** The counters' own bookkeeping: every call is admitted or rate limited, every admitted call has one outcome. */
function assertBalanced(s: EmailProviderStats): void {
  assert.equal(s.calls, s.admitted + s.rateLimited, `calls = admitted + rateLimited in ${JSON.stringify(s)}`);
  assert.equal(s.admitted, s.delivered + s.duplicates + s.failed + s.badRequests, `admitted = sum of outcomes in ${JSON.stringify(s)}`);
}

describe("the rate limit", () => {
  test("past the burst a call gets 429 with Retry-After in whole seconds, and one second later a token is back", async () => {
    const { p, clock } = await provider({ callsPerSecond: 1, burst: 2 });
    assert.deepEqual(await statuses(p, 2), [200, 200]);
    const limited = await send(p, mail());
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "1");
    assert.equal(typeof limited.json.error, "string");
    clock.t = 999;
    assert.equal((await send(p, mail())).status, 429, "a token is not back before a full second");
    clock.t = 1000;
    assert.equal((await send(p, mail())).status, 200);
    assert.equal((await send(p, mail())).status, 429, "one second gave back one token, not the whole burst");
    assert.deepEqual(p.stats(), { calls: 6, admitted: 3, rateLimited: 3, failed: 0, delivered: 3, duplicates: 0, badRequests: 0, maxCallsInAnySecond: 4 });
  });

  test("Retry-After is the wait for the next token rounded UP to whole seconds, at least 1", async () => {
    // 0.5 calls/s: a token every 2000 ms.
    const { p, clock } = await provider({ callsPerSecond: 0.5, burst: 1 });
    assert.equal((await send(p, mail())).status, 200);
    const retryAt = async (t: number) => {
      clock.t = t;
      const answer = await send(p, mail());
      assert.equal(answer.status, 429, `at t=${t}`);
      return answer.headers.get("retry-after");
    };
    assert.equal(await retryAt(0), "2"); // 2000 ms
    assert.equal(await retryAt(900), "2"); // 1100 ms: rounding to nearest or down would say 1
    assert.equal(await retryAt(1500), "1"); // 500 ms: rounding down would say 0
    assert.equal(await retryAt(1999.5), "1"); // 0.5 ms
    clock.t = 2000;
    assert.equal((await send(p, mail())).status, 200, "a client that waits Retry-After finds a token");

    const slow = (await provider({ callsPerSecond: 0.25, burst: 1 })).p;
    await send(slow, mail());
    assert.equal((await send(slow, mail())).headers.get("retry-after"), "4", "seconds, not ms and not a constant");
  });

  test("the bucket refills continuously at callsPerSecond and never holds more than burst", async () => {
    const { p, clock } = await provider({ callsPerSecond: 10, burst: 3 });
    assert.deepEqual(await statuses(p, 4), [200, 200, 200, 429]);
    clock.t = 100; // a tenth of a second: one token
    assert.deepEqual(await statuses(p, 2), [200, 429]);
    clock.t = 350; // 2.5 tokens: two calls
    assert.deepEqual(await statuses(p, 3), [200, 200, 429]);
    clock.t = 60_000; // a long idle minute still leaves only `burst`
    assert.deepEqual(await statuses(p, 4), [200, 200, 200, 429]);
  });

  test("burst defaults to callsPerSecond, and to 1 below one call a second", async () => {
    const five = (await provider({ callsPerSecond: 5 })).p;
    assert.deepEqual(await statuses(five, 6), [200, 200, 200, 200, 200, 429]);
    assert.equal(five.settings().burst, 5);
    const half = (await provider({ callsPerSecond: 0.5 })).p;
    assert.deepEqual(await statuses(half, 2), [200, 429]);
  });

  test("a rejected call sends nothing and takes no token", async () => {
    const { p, clock } = await provider({ callsPerSecond: 1, burst: 1 });
    await send(p, mail("first@example.com"));
    clock.t = 500;
    assert.deepEqual(await statuses(p, 10, mail("spam@example.com")), Array(10).fill(429));
    assert.deepEqual(p.deliveriesTo("spam@example.com"), []);
    clock.t = 1000; // ten rejected calls did not push the next token further away
    assert.equal((await send(p, mail("second@example.com"))).status, 200);
    assert.deepEqual(p.deliveries.map((d) => d.to), ["first@example.com", "second@example.com"]);
    assert.equal(p.stats().rateLimited, 10);
    assertBalanced(p.stats());
  });
});

describe("flakiness", () => {
  test("failNext(n) fails the next n admitted calls with 503 and sends nothing; 429s and 400s do not use them up", async () => {
    const { p, clock } = await provider({ callsPerSecond: 1, burst: 1 });
    p.failNext(2);
    assert.equal((await send(p, mail())).status, 503);
    assert.equal((await send(p, mail())).status, 429, "the failed call used its token");
    clock.t = 1000;
    assert.equal((await send(p, "{oops")).status, 400);
    clock.t = 2000;
    const failed = await send(p, mail());
    assert.equal(failed.status, 503);
    assert.equal(typeof failed.json.error, "string");
    clock.t = 3000;
    assert.equal((await send(p, mail())).status, 200);
    assert.equal(p.deliveries.length, 1);
    assert.deepEqual(p.stats(), { calls: 5, admitted: 4, rateLimited: 1, failed: 2, delivered: 1, duplicates: 0, badRequests: 1, maxCallsInAnySecond: 2 });
    p.failNext(1);
    p.failNext(0);
    clock.t = 4000;
    assert.equal((await send(p, mail())).status, 200, "failNext(0) cancels");
    assert.throws(() => p.failNext(-1), RangeError);
  });

  test("failureRate fails a call when random() < failureRate", async () => {
    const draws = [0.1, 0.5, 0.29, 0.3, 0.999];
    const random = () => {
      const next = draws.shift();
      assert.notEqual(next, undefined, "random() called more than once a call");
      return next!;
    };
    const { p } = await provider({ callsPerSecond: 100, failureRate: 0.3, random });
    assert.deepEqual(await statuses(p, 5), [503, 200, 503, 200, 200]);
    assert.equal(p.deliveries.length, 3);
    assert.equal(p.stats().failed, 2);
  });

  test("failureRate 0 never fails, even when random() is 0", async () => {
    const { p } = await provider({ callsPerSecond: 100, random: () => 0 });
    assert.deepEqual(await statuses(p, 3), [200, 200, 200]);
  });

  test("with delayMs the email is sent when the call arrives; the answer comes delayMs later", async () => {
    const { p } = await provider({ callsPerSecond: 100, delayMs: 80 });
    const t0 = performance.now();
    const answer = await send(p, mail());
    assert.equal(answer.status, 200);
    assert.ok(performance.now() - t0 >= 75, `answered after ${performance.now() - t0} ms`);

    p.configure({ delayMs: 600_000 });
    let answered = false;
    const pending = send(p, mail("slow@example.com")).then(() => (answered = true));
    for (let i = 0; i < 1000 && p.deliveriesTo("slow@example.com").length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(p.deliveriesTo("slow@example.com").length, 1, "sent before the answer");
    assert.equal(answered, false);
    await p.close(); // ends the call still waiting, and its timer
    await assert.rejects(pending);
  });
});

describe("idempotency", () => {
  test("a repeated Idempotency-Key answers 200 with the same messageId, marked as a replay, and sends nothing", async () => {
    const { p } = await provider({ callsPerSecond: 100 });
    const first = await send(p, mail(), { "idempotency-key": "order-1" });
    const again = await send(p, mail(), { "idempotency-key": "order-1" });
    assert.equal(first.status, 200);
    assert.equal(again.status, 200);
    assert.equal(typeof first.json.messageId, "string");
    assert.equal(again.json.messageId, first.json.messageId);
    assert.equal(first.headers.get("idempotent-replayed"), null);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    const other = await send(p, mail(), { "idempotency-key": "order-2" });
    assert.notEqual(other.json.messageId, first.json.messageId);
    assert.equal((await send(p, mail())).status, 200);
    assert.equal((await send(p, mail())).status, 200);
    assert.equal(p.deliveries.length, 4, "calls without a key are never replays");
    assert.deepEqual(p.deliveries[0], { at: 0, to: "ada@example.com", subject: "Your order", idempotencyKey: "order-1", messageId: first.json.messageId });
    assert.equal(p.stats().duplicates, 1);
    assertBalanced(p.stats());
  });

  test("a key reused for another recipient gets 422 and sends nothing", async () => {
    const { p } = await provider({ callsPerSecond: 100 });
    await send(p, mail("ada@example.com"), { "idempotency-key": "k" });
    const clash = await send(p, mail("bob@example.com"), { "idempotency-key": "k" });
    assert.equal(clash.status, 422);
    assert.equal(typeof clash.json.error, "string");
    assert.deepEqual(p.deliveriesTo("bob@example.com"), []);
    assert.equal(p.stats().badRequests, 1);
    assert.equal(p.stats().duplicates, 0);
  });

  test("only a delivered call's key is remembered: a retry after a 503 or a 429 sends", async () => {
    const { p, clock } = await provider({ callsPerSecond: 1, burst: 1 });
    p.failNext(1);
    assert.equal((await send(p, mail(), { "idempotency-key": "k" })).status, 503);
    assert.equal((await send(p, mail(), { "idempotency-key": "k" })).status, 429);
    clock.t = 1000;
    const retry = await send(p, mail(), { "idempotency-key": "k" });
    assert.equal(retry.status, 200);
    assert.equal(retry.headers.get("idempotent-replayed"), null);
    assert.equal(p.deliveries.length, 1);
  });

  test("keys are scoped to one provider", async () => {
    const a = (await provider({ callsPerSecond: 100 })).p;
    const b = (await provider({ callsPerSecond: 100 })).p;
    await send(a, mail(), { "idempotency-key": "shared" });
    const onB = await send(b, mail(), { "idempotency-key": "shared" });
    assert.equal(onB.headers.get("idempotent-replayed"), null);
    assert.equal(b.deliveries.length, 1);
  });
});

describe("bad requests", () => {
  test("bad JSON, a missing or non-string to, a non-object, an empty key or a body over 64 kB get 400 with a JSON error", async () => {
    const { p } = await provider({ callsPerSecond: 1000 });
    const cases: [string, string | Uint8Array, Record<string, string>?][] = [
      ["bad JSON", "{to:"],
      ["empty body", ""],
      ["no to", JSON.stringify({ subject: "hi" })],
      ["empty to", JSON.stringify({ to: "", subject: "hi" })],
      ["numeric to", JSON.stringify({ to: 42, subject: "hi" })],
      ["array", JSON.stringify([mail()])],
      ["null", "null"],
      ["non-string subject", JSON.stringify({ to: "a@example.com", subject: 1 })],
      ["empty idempotency key", JSON.stringify(mail()), { "idempotency-key": "" }],
      ["65,537 bytes", Buffer.from(JSON.stringify({ ...mail(), body: "x".repeat(65_537) }))],
    ];
    for (const [name, body, headers] of cases) {
      const answer = await send(p, body, headers);
      assert.equal(answer.status, 400, name);
      assert.equal(typeof answer.json.error, "string", name);
    }
    assert.equal(p.deliveries.length, 0);
    assert.equal(p.stats().badRequests, cases.length);

    // Exactly 64 kB is still fine.
    const shell = JSON.stringify({ to: "a@example.com", subject: "s", body: "" });
    const exact = JSON.stringify({ to: "a@example.com", subject: "s", body: "x".repeat(65_536 - Buffer.byteLength(shell)) });
    assert.equal(Buffer.byteLength(exact), 65_536);
    assert.equal((await send(p, exact)).status, 200);
    assert.equal((await send(p, `${exact} `)).status, 400, "one byte more");
  });

  test("other paths and methods get 404 JSON and are not counted as calls", async () => {
    const { p } = await provider({ callsPerSecond: 1000 });
    for (const [method, path] of [["GET", "/emails"], ["POST", "/email"], ["PUT", "/emails"], ["GET", "/"]] as const) {
      const res = await fetch(`${p.url}${path}`, { method, ...(method === "GET" ? {} : { body: JSON.stringify(mail()) }) });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(typeof ((await res.json()) as { error: unknown }).error, "string");
    }
    assert.equal(p.stats().calls, 0);
    assert.equal((await send(p, mail(), {})).status, 200);
    const withQuery = await fetch(`${p.url}/emails?x=1`, { method: "POST", body: JSON.stringify(mail()) });
    assert.equal(withQuery.status, 200, "a query string does not change the route");
  });

  test("property: any body gets 200 or 400, never a 5xx, and sends exactly when the body is valid", async () => {
    const { p } = await provider({ callsPerSecond: 1e9 });
    const valid = (raw: Buffer): boolean => {
      if (raw.length > 65_536) return false;
      let v: unknown;
      try {
        v = JSON.parse(raw.toString("utf8"));
      } catch {
        return false;
      }
      if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
      const o = v as Record<string, unknown>;
      return typeof o.to === "string" && o.to.length > 0 && ["undefined", "string"].includes(typeof o.subject) && ["undefined", "string"].includes(typeof o.body);
    };
    const field = fc.oneof(fc.string(), fc.constant(""), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.jsonValue({ maxDepth: 2 }));
    const objects = fc.record({ to: field, subject: field, body: field, extra: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }).map((o) => JSON.stringify(o));
    const big = fc.integer({ min: 65_500, max: 65_600 }).map((n) => {
      const shell = JSON.stringify({ to: "a@example.com", body: "" });
      return JSON.stringify({ to: "a@example.com", body: "é".repeat(Math.max(0, Math.floor((n - Buffer.byteLength(shell)) / 2))) });
    });
    const bodies = fc.oneof(
      objects,
      fc.jsonValue().map((v) => JSON.stringify(v) ?? ""),
      fc.string({ unit: "binary" }),
      objects.map((s) => s.slice(0, Math.floor(s.length / 2))),
      big,
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (text) => {
        const raw = Buffer.from(text);
        const before = p.deliveries.length;
        const answer = await send(p, raw);
        const ok = valid(raw);
        assert.ok(answer.status < 500, `a ${answer.status} for ${text.slice(0, 80)}`);
        assert.equal(answer.status, ok ? 200 : 400, text.slice(0, 80));
        assert.equal(p.deliveries.length - before, ok ? 1 : 0);
      }),
      { seed: 1701, numRuns: 300 },
    );
    assertBalanced(p.stats());
  });
});

describe("counters", () => {
  test("maxCallsInAnySecond is the busiest sliding second of arrivals, rate limited ones included", async () => {
    const { p, clock } = await provider({ callsPerSecond: 1, burst: 1 });
    // Two calls in calendar second 0 and two in second 1, but all four within 1000 ms of each other.
    for (const t of [500, 900, 1100, 1400]) {
      clock.t = t;
      await send(p, mail());
    }
    assert.equal(p.stats().maxCallsInAnySecond, 4, "a fixed per-second bucket would say 2");
    assert.equal(p.stats().rateLimited, 3);
    clock.t = 1500; // 500 is now exactly a second old: the window is [500, 1500), so 500 is out
    await send(p, mail());
    assert.equal(p.stats().maxCallsInAnySecond, 4);
    clock.t = 1600;
    await send(p, "not json"); // a bad request (or a 429) is still a call
    assert.equal(p.stats().maxCallsInAnySecond, 5, "900, 1100, 1400, 1500, 1600");
    clock.t = 10_000;
    await send(p, mail());
    assert.equal(p.stats().maxCallsInAnySecond, 5, "a maximum, not the current window");
    assertBalanced(p.stats());
  });

  test("GET /stats answers stats() as JSON", async () => {
    const { p } = await provider({ callsPerSecond: 2, burst: 2 });
    await statuses(p, 3);
    const res = await fetch(`${p.url}/stats`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), p.stats());
    assert.deepEqual(p.stats(), { calls: 3, admitted: 2, rateLimited: 1, failed: 0, delivered: 2, duplicates: 0, badRequests: 0, maxCallsInAnySecond: 3 });
  });

  test("GET /metrics is Prometheus text: every line parses, the counters match stats(), and prom-client writes the same", async () => {
    // Distinct counts per outcome, so a swapped label shows.
    const { p } = await provider({ callsPerSecond: 1, burst: 13 });
    await send(p, mail(), { "idempotency-key": "a" });
    await send(p, mail(), { "idempotency-key": "a" });
    await send(p, mail(), { "idempotency-key": "b" });
    await send(p, mail());
    p.failNext(4);
    await statuses(p, 4);
    await statuses(p, 5, "[");
    await statuses(p, 2);
    const stats = p.stats();
    assert.deepEqual([stats.delivered, stats.duplicates, stats.rateLimited, stats.failed, stats.badRequests], [3, 1, 2, 4, 5]);

    const res = await fetch(`${p.url}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    assert.ok(text.endsWith("\n"), "the exposition ends with a line feed");

    const samples = new Map<string, number>();
    const described = new Set<string>();
    for (const line of text.slice(0, -1).split("\n")) {
      const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{outcome="([a-z_]+)"\} (\d+)$/.exec(line);
      assert.ok(help || type || sample, `unparseable line: ${JSON.stringify(line)}`);
      if (help) described.add(`help ${help[1]}`);
      if (type) described.add(`type ${type[1]} ${type[2]}`);
      if (sample) {
        assert.equal(sample[1], "email_provider_calls_total");
        assert.ok(!samples.has(sample[2]!), `outcome ${sample[2]} twice`);
        samples.set(sample[2]!, Number(sample[3]));
      }
    }
    assert.deepEqual([...described], ["help email_provider_calls_total", "type email_provider_calls_total counter"]);
    assert.deepEqual(Object.fromEntries(samples), {
      delivered: stats.delivered,
      duplicate: stats.duplicates,
      rate_limited: stats.rateLimited,
      failed: stats.failed,
      bad_request: stats.badRequests,
    });

    const registry = new Registry();
    const help = /^# HELP email_provider_calls_total (.+)$/m.exec(text)![1]!;
    const counter = new Counter({ name: "email_provider_calls_total", help, labelNames: ["outcome"], registers: [registry] });
    for (const [outcome, n] of samples) counter.inc({ outcome }, n);
    assert.equal(text, await registry.metrics());
  });

  test("reset() zeroes the counters and deliveries, forgets keys and failNext, and keeps the settings", async () => {
    const { p, clock } = await provider({ callsPerSecond: 1, burst: 1, delayMs: 0 });
    const deliveries = p.deliveries;
    const first = await send(p, mail(), { "idempotency-key": "k" });
    await statuses(p, 2);
    p.failNext(3);
    p.reset();
    assert.deepEqual(p.stats(), { calls: 0, admitted: 0, rateLimited: 0, failed: 0, delivered: 0, duplicates: 0, badRequests: 0, maxCallsInAnySecond: 0 });
    assert.equal(p.deliveries.length, 0);
    assert.equal(deliveries, p.deliveries, "the same array, so a reference taken earlier stays live");
    assert.deepEqual(p.settings(), { callsPerSecond: 1, burst: 1, failureRate: 0, delayMs: 0 });

    clock.t = 1; // the bucket is full again, and still holds one call
    const again = await send(p, mail(), { "idempotency-key": "k" });
    assert.equal(again.status, 200, "failNext was forgotten");
    assert.equal(again.headers.get("idempotent-replayed"), null, "the key was forgotten");
    assert.notEqual(again.json.messageId, first.json.messageId);
    assert.equal((await send(p, mail())).status, 429, "the limit still applies");
    assert.equal(p.stats().calls, 2);
  });

  test("configure() changes the budget from now on, and burst follows callsPerSecond until set", async () => {
    const { p, clock } = await provider({ callsPerSecond: 2 });
    assert.deepEqual(await statuses(p, 3), [200, 200, 429]);
    p.configure({ callsPerSecond: 10 });
    assert.equal(p.settings().burst, 10);
    clock.t = 1000; // a second at 10/s fills the larger bucket
    assert.equal((await statuses(p, 11)).filter((s) => s === 200).length, 10);
    p.configure({ burst: 1 });
    p.configure({ callsPerSecond: 4 });
    assert.deepEqual(p.settings(), { callsPerSecond: 4, burst: 1, failureRate: 0, delayMs: 0 });
    assert.throws(() => p.configure({ failureRate: 0.5, burst: 0 }), /burst/);
    assert.deepEqual(p.settings(), { callsPerSecond: 4, burst: 1, failureRate: 0, delayMs: 0 }, "a rejected configure changes nothing");
  });
});

describe("options and lifecycle", () => {
  test("invalid options throw a RangeError naming the option and the value", async () => {
    const bad: [Partial<EmailProviderOptions>, string, string][] = [
      [{ callsPerSecond: 0 }, "callsPerSecond", "0"],
      [{ callsPerSecond: -3 }, "callsPerSecond", "-3"],
      [{ callsPerSecond: Number.NaN }, "callsPerSecond", "NaN"],
      [{ callsPerSecond: Number.POSITIVE_INFINITY }, "callsPerSecond", "Infinity"],
      [{ callsPerSecond: "20" as unknown as number }, "callsPerSecond", '"20"'],
      [{ callsPerSecond: 5, burst: 0.5 }, "burst", "0.5"],
      [{ callsPerSecond: 5, failureRate: 1.5 }, "failureRate", "1.5"],
      [{ callsPerSecond: 5, failureRate: -0.1 }, "failureRate", "-0.1"],
      [{ callsPerSecond: 5, delayMs: -1 }, "delayMs", "-1"],
      [{ callsPerSecond: 5, port: 70_000 }, "port", "70000"],
    ];
    for (const [options, name, value] of bad) {
      await assert.rejects(startEmailProvider(options as EmailProviderOptions), (error: unknown) => {
        assert.ok(error instanceof RangeError, `${JSON.stringify(options)} threw ${String(error)}`);
        assert.ok(error.message.includes(name) && error.message.includes(value), `"${error.message}" names ${name} and ${value}`);
        return true;
      });
    }
    const { p } = await provider({ callsPerSecond: 5 });
    assert.throws(() => p.configure({ callsPerSecond: 0 }), (e: unknown) => e instanceof RangeError && /callsPerSecond.*0/.test(e.message));
    assert.throws(() => p.configure({ delayMs: -5 }), (e: unknown) => e instanceof RangeError && /delayMs.*-5/.test(e.message));
  });

  test("close() ends idle connections and calls still uploading, and releases the port", async () => {
    const p = await startEmailProvider({ callsPerSecond: 5 });
    assert.equal((await send(p, mail())).status, 200); // leaves a kept-alive, idle connection
    // A call whose body is still on its way: its connection is active, so server.close() alone would wait for it.
    const socket = connect(p.port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write(`POST /emails HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"to":`);
    while (p.stats().calls < 2) await new Promise((r) => setTimeout(r, 5));
    const ended = once(socket, "close");
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<string>((resolve) => (timer = setTimeout(resolve, 5000, "still open after 5 s")));
    const verdict = await Promise.race([p.close().then(() => "closed"), hung]);
    clearTimeout(timer);
    if (verdict !== "closed") socket.destroy(); // let the file end, then fail
    assert.equal(verdict, "closed", "close() waited for a call still uploading");
    await ended;
    await p.close(); // twice is fine
    const again = createServer();
    again.listen(p.port, "127.0.0.1");
    await once(again, "listening");
    again.close();
    await once(again, "close");
  });
});

describe("the command line", () => {
  const entry = new URL("../testing/email-provider.ts", import.meta.url).pathname;
  const children: ReturnType<typeof spawn>[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const run = (args: string[]) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Buffer) => (out += c));
    child.stderr!.on("data", (c: Buffer) => (err += c));
    return { child, out: () => out, err: () => err };
  };

  test("bad arguments exit 2 with what was wrong", async () => {
    for (const [args, expected] of [
      [[], /--calls-per-second is required/],
      [["--calls-per-second", "fast"], /--calls-per-second must be a number, got "fast"/],
      [["--calls-per-second", "0"], /callsPerSecond must be a finite number > 0, got 0/],
      [["--calls-per-second", "5", "--bogus"], /bogus/],
    ] as const) {
      const cli = run([...args]);
      const [code] = (await once(cli.child, "exit")) as [number];
      assert.equal(code, 2, `${args.join(" ")}: ${cli.err()}`);
      assert.match(cli.err(), expected);
      assert.match(cli.err(), /usage:/);
    }
  });

  test("it prints its URL, serves the budget, and stops on SIGTERM", async () => {
    const cli = run(["--calls-per-second", "1", "--burst", "1", "--port", "0"]);
    while (!cli.out().includes("\n")) {
      if (cli.child.exitCode !== null) assert.fail(`exited early: ${cli.err()}`);
      await once(cli.child.stdout!, "data");
    }
    const url = cli.out().trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const post = () => fetch(`${url}/emails`, { method: "POST", body: JSON.stringify(mail()) });
    assert.equal((await post()).status, 200);
    assert.equal((await post()).status, 429);
    assert.deepEqual(((await (await fetch(`${url}/stats`)).json()) as EmailProviderStats).rateLimited, 1);
    cli.child.kill("SIGTERM");
    const [code] = (await once(cli.child, "exit")) as [number];
    assert.equal(code, 0);
    assert.match(cli.err(), /stopped \(SIGTERM\)/);
  });
});
