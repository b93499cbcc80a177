import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import fc from "fast-check";
import { arrivalPlan, type MixEntry } from "../bench/arrivals.ts";
import { kneeLine, loadCurveReport, runLoadCurve, sloBreaches, type CurveStep, type LoadCurve } from "../bench/load-curve.ts";
import { runOpenLoop, summarize, type ClassResult, type OpenLoopResult, type RequestOutcome } from "../bench/open-loop.ts";

// Timings here are lower bounds and counts only: the machine is a shared 2-core box, so nothing asserts
// that something was fast.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const servers: { close(): void }[] = [];
after(() => servers.forEach((s) => s.close()));

/** A node:http server on 127.0.0.1 with a handler per path; counts the requests it holds at once. */
async function serve(routes: Record<string, Handler>) {
  const stats = { received: 0, inFlight: 0, maxInFlight: 0 };
  const server = createServer(async (req, res) => {
    stats.received++;
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    res.on("close", () => stats.inFlight--);
    const handler = routes[new URL(req.url ?? "/", "http://x").pathname];
    if (handler) await handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({ close: () => (server.close(), server.closeAllConnections()) });
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats };
}

/**
 * One request at a time, `serviceMs` each (about 1000 / serviceMs req/s at most), as a single worker would
 * serve them; `stall(ms)` holds the worker once. A request whose client gave up is skipped, not served.
 */
function serialWorker(serviceMs: number) {
  let queue: Promise<unknown> = Promise.resolve();
  let stallNext = 0;
  const handler: Handler = (_req, res) => {
    queue = queue.then(async () => {
      if (res.destroyed) return;
      const hold = stallNext;
      stallNext = 0;
      await sleep(serviceMs + hold);
      res.end("ok");
    });
  };
  return { handler, stall: (ms: number) => (stallNext = ms) };
}

const get = (routeClass: string, path: string, weight = 1): MixEntry => ({ routeClass, weight, request: () => ({ method: "GET", path }) });
const countWhere = (outcomes: RequestOutcome[], ok: (o: RequestOutcome) => boolean) => outcomes.filter(ok).length;

test("coordinated omission: a 500 ms stall at 200 req/s is felt by every request due during it, not by one", { timeout: 30_000 }, async () => {
  const worker = serialWorker(4);
  let seen = 0;
  const { baseUrl, stats } = await serve({
    "/work": (req, res) => {
      if (++seen === 60) worker.stall(500); // about 300 ms into the run
      return worker.handler(req, res);
    },
  });
  const outcomes: RequestOutcome[] = [];
  const result = await runOpenLoop({ baseUrl, rate: 200, durationMs: 1200, mix: [get("work", "/work")], maxInFlight: 600, timeoutMs: 10_000, onOutcome: (o) => outcomes.push(o) });
  assert.equal(result.overall.requests, 240);
  assert.equal(outcomes.length, 240);
  const slow = countWhere(outcomes, (o) => (o.latencyMs ?? 0) >= 400);
  // Requests due in the first ~500 ms of the stall wait for it and for the backlog ahead of them: about 100.
  // A closed-loop client would have sent one request into the stall and recorded one slow sample.
  assert.ok(slow >= 80, `expected at least 80 requests of >= 400 ms (every one due during the stall); got ${slow}`);
  assert.ok(result.overall.p95 >= 400, `p95 shows the stall; got ${result.overall.p95} ms`);
  // They went out on schedule while the server stalled (open loop), not one at a time after it.
  assert.ok(stats.maxInFlight >= 80, `the server held many requests at once during the stall; at most ${stats.maxInFlight}`);
});

test("latency counts from when a request was due: a generator that falls behind is charged for it", { timeout: 30_000 }, async () => {
  const { baseUrl } = await serve({ "/fast": (_req, res) => void res.end("ok") });
  const busy: MixEntry = {
    routeClass: "fast",
    weight: 1,
    request: (i) => {
      if (i === 20) {
        const until = performance.now() + 300; // the generator's own event loop blocks for 300 ms
        while (performance.now() < until);
      }
      return { method: "GET", path: "/fast" };
    },
  };
  const outcomes: RequestOutcome[] = [];
  const result = await runOpenLoop({ baseUrl, rate: 200, durationMs: 1000, mix: [busy], timeoutMs: 20_000, onOutcome: (o) => outcomes.push(o) });
  assert.ok(result.maxSendLagMs >= 250, `the generator knows it fell ${result.maxSendLagMs} ms behind`);
  const late = outcomes.filter((o) => o.sentMs !== null && o.sentMs - o.dueMs >= 100 && o.latencyMs !== null);
  assert.ok(late.length >= 30, `arrivals due during the block went out late and were answered; ${late.length}`);
  for (const o of late) {
    assert.ok(o.latencyMs! >= o.sentMs! - o.dueMs, `request ${o.index}: latency ${o.latencyMs} ms includes its ${o.sentMs! - o.dueMs} ms wait to be sent`);
  }
});

test("the knee: the SLO holds well under capacity, breaks far over it, and the curve stops there when asked", { timeout: 30_000 }, async () => {
  const worker = serialWorker(4); // about 250 req/s at most
  const { baseUrl, stats } = await serve({ "/api": worker.handler });
  const steps: number[] = [];
  const curve = await runLoadCurve({
    baseUrl,
    baseRate: 20,
    multiples: [200, 1, 100], // sorted: 1x is 20 req/s, 100x is 2,000 req/s for a 250 req/s server
    durationMs: 600,
    mix: [get("api", "/api")],
    slo: { api: { p99Ms: 2000, maxErrorShare: 0.2 } },
    maxInFlight: 300,
    timeoutMs: 2000,
    pauseMs: 100,
    stopAfterKnee: true,
    onStep: (s) => steps.push(s.multiple),
  });
  assert.deepEqual(steps, [1, 100], "200x never ran: the knee was found at 100x");
  const [low, high] = curve.steps;
  assert.deepEqual(low!.breaches, [], `20 req/s against 250 req/s keeps the SLO; got ${low!.breaches.map((b) => b.text).join("; ")}`);
  assert.equal(low!.result.overall.requests, 12);
  assert.ok(high!.result.overall.errorShare > 0.5, `2,000 req/s: most requests time out or are dropped; error share ${high!.result.overall.errorShare}`);
  assert.equal(curve.knee, 100);
  assert.match(kneeLine(curve), /^SLO breaks at 100x \(api errors \d+(\.\d+)?% > 20%/);
  assert.ok(stats.maxInFlight <= 300, `never more than maxInFlight at the server; saw ${stats.maxInFlight}`);
});

test("per-class latency follows each class's service time; the classes are the seed's", { timeout: 30_000 }, async () => {
  const { baseUrl } = await serve({
    "/fast": async (_req, res) => void (await sleep(2), res.end("ok")),
    "/slow": async (_req, res) => void (await sleep(200), res.end("ok")),
  });
  const mix = [get("fast", "/fast"), get("slow", "/slow")];
  const result = await runOpenLoop({ baseUrl, rate: 40, durationMs: 1000, mix, seed: 7 });
  const plan = arrivalPlan({ rate: 40, durationMs: 1000, mix, seed: 7 });
  for (const name of ["fast", "slow"]) {
    assert.equal(result.classes[name]!.requests, plan.filter((a) => a.routeClass === name).length, `${name}: the classes drawn are the plan's for seed 7`);
    assert.equal(result.classes[name]!.answered, result.classes[name]!.requests);
  }
  const { fast, slow } = result.classes as Record<string, ClassResult>;
  assert.ok(slow!.p50 >= 200, `slow takes 200 ms; p50 ${slow!.p50}`);
  assert.ok(fast!.p50 >= 2, `fast takes 2 ms; p50 ${fast!.p50}`);
  assert.ok(fast!.p50 < slow!.p50);
  assert.equal(result.overall.requests, 40);
  assert.equal(result.overall.errorShare, 0);
});

test("errors are classified: 5xx, 429, other 4xx, timeout and connection error, each in its class", { timeout: 30_000 }, async () => {
  const { baseUrl } = await serve({
    "/ok": (_req, res) => void res.end("ok"),
    "/boom": (_req, res) => void res.writeHead(500).end(),
    "/limit": (_req, res) => void res.writeHead(429).end(),
    "/gone": (_req, res) => void res.writeHead(410).end(),
    "/hang": () => {},
    "/reset": (req) => void req.socket.destroy(),
  });
  const mix = ["ok", "boom", "limit", "gone", "hang", "reset"].map((name) => get(name, `/${name}`));
  const result = await runOpenLoop({ baseUrl, rate: 120, durationMs: 1000, mix, maxInFlight: 500, timeoutMs: 1000 });
  const expected: Record<string, string | null> = { ok: null, boom: "5xx", limit: "429", gone: "4xx", hang: "timeout", reset: "connection" };
  for (const [name, kind] of Object.entries(expected)) {
    const c = result.classes[name]!;
    assert.ok(c.requests > 0, `${name} was drawn`);
    const nonZero = Object.entries(c.errors).filter(([, n]) => n > 0);
    assert.deepEqual(nonZero, kind ? [[kind, c.requests]] : [], `${name}: every request is ${kind ?? "a success"}`);
  }
  assert.equal(result.classes.boom!.answered, result.classes.boom!.requests, "an error status is an answer: its latency counts");
  assert.equal(result.classes.hang!.answered, 0);
});

test("arrivals past maxInFlight are dropped, counted as such, and never reach the server", { timeout: 30_000 }, async () => {
  const { baseUrl, stats } = await serve({ "/hang": () => {} });
  const result = await runOpenLoop({ baseUrl, rate: 100, durationMs: 500, mix: [get("hang", "/hang")], maxInFlight: 5, timeoutMs: 300 });
  const { errors } = result.overall;
  assert.equal(errors.timeout + errors.dropped, 50);
  assert.ok(errors.timeout >= 5 && errors.dropped > 0, `timeouts ${errors.timeout}, dropped ${errors.dropped}`);
  assert.equal(stats.received, errors.timeout, "only the requests sent reached the server");
  assert.ok(stats.maxInFlight <= 5, `at most 5 at once at the server; saw ${stats.maxInFlight}`);
});

test("only loopback, and only bounded runs: refusals say what is wrong", async () => {
  const mix = [get("a", "/")];
  const base = { baseUrl: "http://127.0.0.1:9", rate: 10, durationMs: 1000, mix };
  for (const baseUrl of ["http://example.com", "http://10.0.0.5:3000", "http://127.0.0.1.nip.io"]) {
    await assert.rejects(runOpenLoop({ ...base, baseUrl }), /is not on this machine: the load generator only drives loopback/);
  }
  await assert.rejects(runOpenLoop({ ...base, baseUrl: "not a url" }), /is not a URL/);
  await assert.rejects(runOpenLoop({ ...base, rate: 5000, durationMs: 5000 }), /is 25,000 requests; a run is capped at 20,000/);
  await assert.rejects(runOpenLoop({ ...base, maxInFlight: 5000 }), /maxInFlight must be a whole number from 1 to 1000/);
  await assert.rejects(runOpenLoop({ ...base, timeoutMs: 0 }), /timeoutMs must be a number above 0/);
  await assert.rejects(runOpenLoop({ ...base, mix: [] }), /The mix is empty/);
  await assert.rejects(runOpenLoop({ ...base, mix: [get("a", "/", 0)] }), /weight 0; a weight must be a number above 0/);
  const curve = { ...base, baseRate: 300, slo: {} };
  await assert.rejects(runLoadCurve({ ...curve, durationMs: 10_000 }), /3000 req\/s for 10000 ms is 30,000 requests/, "10x is refused before 1x runs");
  await assert.rejects(runLoadCurve({ ...curve, slo: { b: { p99Ms: 10, maxErrorShare: 0 } } }), /route class "b", which is not in the mix/);
  const broken: MixEntry = { routeClass: "a", weight: 1, request: () => { throw new Error("no such product"); } };
  await assert.rejects(runOpenLoop({ ...base, mix: [broken] }), /no such product/, "a request builder's own error ends the run");
  const hook = () => {
    throw new Error("hook failed");
  };
  await assert.rejects(runOpenLoop({ ...base, durationMs: 200, onOutcome: hook }), /hook failed/, "so does an onOutcome that throws, once the requests have settled");
  // ::1 and localhost are loopback too (nothing listens on port 9: connection errors, not refusals).
  for (const baseUrl of ["http://[::1]:9", "http://localhost:9"]) {
    const result = await runOpenLoop({ ...base, baseUrl, rate: 10, durationMs: 200 });
    assert.equal(result.overall.errors.connection, 2);
  }
});

test("the mix: shares within 2 points over 10,000 arrivals, the same for the same seed, evenly spaced", () => {
  const mix = [get("catalog", "/c", 0.6), get("search", "/s", 0.3), get("checkout", "/o", 0.1)];
  const plan = arrivalPlan({ rate: 1000, durationMs: 10_000, mix, seed: 42 });
  assert.equal(plan.length, 10_000);
  for (const entry of mix) {
    const share: number = plan.filter((a) => a.routeClass === entry.routeClass).length / plan.length;
    assert.ok(Math.abs(share - entry.weight) < 0.02, `${entry.routeClass}: ${share} against ${entry.weight}`);
  }
  const classes = (seed: number) => arrivalPlan({ rate: 1000, durationMs: 10_000, mix, seed }).map((a) => a.routeClass).join();
  assert.equal(classes(42), plan.map((a) => a.routeClass).join());
  assert.notEqual(classes(43), classes(42));
  assert.ok(plan.every((a, i) => a.at === i), "1,000 req/s: one every millisecond");
});

// An independent nearest-rank percentile: the smallest sample with at least p% of the samples at or below it.
const trueRank = (sorted: number[], p: number) => sorted.find((_, i) => (i + 1) / sorted.length >= p / 100 - 1e-12)!;

test("property: the recorded percentiles are the true percentiles of the samples (exact recorder)", () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.001, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 500 }), (latencies) => {
      const c = summarize({ requests: latencies.length, latencies, errors: { "5xx": 0, "429": 0, "4xx": 0, timeout: 0, connection: 0, dropped: 0 } }, 1000);
      const sorted = [...latencies].sort((a, b) => a - b);
      assert.equal(c.p50, trueRank(sorted, 50));
      assert.equal(c.p95, trueRank(sorted, 95));
      assert.equal(c.p99, trueRank(sorted, 99));
      assert.equal(c.max, sorted.at(-1));
      assert.ok(c.p50 <= c.p95 && c.p95 <= c.p99 && c.p99 <= c.max);
    }),
  );
});

const classResult = (p99: number, errorShare = 0): ClassResult => ({
  requests: 100,
  answered: 100,
  p50: p99 / 2,
  p95: p99,
  p99,
  max: p99,
  errors: { "5xx": Math.round(errorShare * 100), "429": 0, "4xx": 0, timeout: 0, connection: 0, dropped: 0 },
  errorShare,
  achievedRate: 100,
});
const resultOf = (classes: Record<string, ClassResult>): OpenLoopResult => ({ rate: 100, durationMs: 1000, elapsedMs: 1000, overall: Object.values(classes)[0]!, classes, maxSendLagMs: 0 });

test("property: a step breaks the SLO exactly when a class's p99, error share or growth over the base is past its bound", () => {
  fc.assert(
    fc.property(fc.double({ min: 1, max: 5000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1, max: 200, noNaN: true }), (p99, share, baseP99) => {
      const slo = { catalog: { p99Ms: 200, maxErrorShare: 0.01, p99WithinTimesBase: 3 } };
      const rules = sloBreaches(resultOf({ catalog: classResult(p99, share) }), slo, resultOf({ catalog: classResult(baseP99) })).map((b) => b.rule);
      assert.deepEqual(rules, [...(p99 > 200 ? ["p99"] : []), ...(share > 0.01 ? ["errors"] : []), ...(p99 > 3 * baseP99 ? ["growth"] : [])]);
    }),
  );
});

test("the terminal shows a compact table per multiple and names the knee with the bound it broke", () => {
  const step = (multiple: number, p99: number): CurveStep => {
    const result = resultOf({ catalog: classResult(p99), search: classResult(30, 0.25) });
    return { multiple, result, breaches: sloBreaches(result, { catalog: { p99Ms: 200, maxErrorShare: 0.01 } }) };
  };
  const curve: LoadCurve = { baseRate: 50, steps: [step(1, 40), step(2, 90), step(5, 812)], knee: 5 };
  const lines = loadCurveReport(curve);
  assert.equal(lines[0], "1x · 50 req/s offered · 100 req/s answered");
  assert.match(lines[1]!, /^ {2}class\s+requests\s+p50\s+p95\s+p99\s+errors$/);
  assert.match(lines[2]!, /^ {2}catalog\s+100\s+20 ms\s+40 ms\s+40 ms\s+none$/);
  assert.match(lines[3]!, /^ {2}search\s+100\s+15 ms\s+30 ms\s+30 ms\s+25 5xx \(25%\)$/);
  assert.equal(lines.at(-1), "SLO breaks at 5x (catalog p99 812 ms > 200 ms)");
  assert.equal(kneeLine({ ...curve, steps: curve.steps.slice(0, 2), knee: null }), "SLO holds at every multiple measured (up to 2x)");
});
