// An open-loop load generator: requests start on a schedule fixed before the run (arrivals.ts), whatever the
// server does. A closed-loop tool sends its next request only when the last one is answered, so while the
// server stalls it stops sending and records one slow request where users would have met hundreds: it
// coordinates with the server to omit the bad samples ("coordinated omission"). Here every latency is counted
// from the moment the request was DUE, not from when it went out, as wrk2 does; a generator that falls behind
// (a busy event loop) is charged to the latency too, and `maxSendLagMs` says how far behind it fell.
import { Pool, type Dispatcher } from "undici";
import { percentile } from "../stats.ts";
import { arrivalPlan, checkedRequestCount, checkMix, maxInFlightCap, seededRandom, type Arrival, type MixEntry } from "./arrivals.ts";

export interface OpenLoopOptions {
  /** Where the app listens: loopback only (127.0.0.1, ::1 or localhost). */
  baseUrl: string;
  /** Offered load, requests per second. */
  rate: number;
  durationMs: number;
  mix: readonly MixEntry[];
  /** At most this many requests at once (default 256, at most 1,000); an arrival past it is dropped. */
  maxInFlight?: number;
  /** A request not answered this long after it was due is aborted and counted as a timeout (default 2,000). */
  timeoutMs?: number;
  /** Seeds the route class of each arrival and the `random` handed to each request builder (default 1). */
  seed?: number;
  /** Told of every request once it is settled (answered, failed or dropped): for tests and plots of single requests. */
  onOutcome?: (outcome: RequestOutcome) => void;
}

/** One request of a run. Times are ms from the start of the run. */
export interface RequestOutcome {
  index: number;
  routeClass: string;
  /** When the schedule said it should go out. */
  dueMs: number;
  /** When it went out; null when it was dropped. */
  sentMs: number | null;
  /** From dueMs to the last byte of the answer; null when there was no answer. */
  latencyMs: number | null;
  /** The status, when answered. */
  status: number | null;
  /** What went wrong, or "ok" (an answer from 100 to 399). */
  kind: ErrorKind | "ok";
}

/** How a request can fail. "dropped": it was due while maxInFlight requests were in flight, so never sent. */
export const errorKinds = ["5xx", "429", "4xx", "timeout", "connection", "dropped"] as const;
export type ErrorKind = (typeof errorKinds)[number];

export interface ClassResult {
  /** Arrivals scheduled. */
  requests: number;
  /** Answered with any status: the latencies are theirs. */
  answered: number;
  /** Latency from the due time to the last byte of the body, ms; NaN when nothing was answered. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: Record<ErrorKind, number>;
  /** Failed requests (every kind) over requests scheduled. */
  errorShare: number;
  /** Answered requests per second, over the run's duration or, when answers came later, until the last one. */
  achievedRate: number;
}

export interface OpenLoopResult {
  rate: number;
  durationMs: number;
  elapsedMs: number;
  overall: ClassResult;
  classes: Record<string, ClassResult>;
  /** The latest the generator sent a request after it was due, ms: large values mean the generator, not only the server, was behind. */
  maxSendLagMs: number;
}

const loopbackHosts = new Set(["127.0.0.1", "[::1]", "localhost"]);

interface Settings {
  origin: string;
  prefix: string;
  maxInFlight: number;
  timeoutMs: number;
  seed: number;
}

/** Check the options; every refusal says what was wrong and what is allowed. */
export function checkOpenLoop(options: OpenLoopOptions): Settings {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new Error(`baseUrl "${options.baseUrl}" is not a URL; give one such as http://127.0.0.1:3000.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`baseUrl "${options.baseUrl}" is not http(s).`);
  if (!loopbackHosts.has(url.hostname)) {
    throw new Error(`baseUrl "${options.baseUrl}" is not on this machine: the load generator only drives loopback (127.0.0.1, ::1 or localhost), never another host.`);
  }
  const positive = (name: string, value: number) => {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number above 0; got ${value}.`);
  };
  positive("rate", options.rate);
  positive("durationMs", options.durationMs);
  checkedRequestCount(options.rate, options.durationMs);
  checkMix(options.mix);
  const maxInFlight = options.maxInFlight ?? 256;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > maxInFlightCap) {
    throw new Error(`maxInFlight must be a whole number from 1 to ${maxInFlightCap}; got ${maxInFlight}.`);
  }
  const timeoutMs = options.timeoutMs ?? 2000;
  positive("timeoutMs", timeoutMs);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new Error(`seed must be a whole number; got ${seed}.`);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, ""), maxInFlight, timeoutMs, seed };
}

/** What one route class (or the whole run) recorded. */
export interface Tally {
  requests: number;
  latencies: number[];
  errors: Record<ErrorKind, number>;
}

const emptyTally = (): Tally => ({ requests: 0, latencies: [], errors: { "5xx": 0, "429": 0, "4xx": 0, timeout: 0, connection: 0, dropped: 0 } });

/** The error kind of an HTTP status, or null for a success (1xx to 3xx). */
export function statusKind(status: number): ErrorKind | null {
  if (status >= 500) return "5xx";
  if (status === 429) return "429";
  if (status >= 400) return "4xx";
  return null;
}

const timeoutCodes = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

// The recorder keeps every latency exactly (a run is capped at 20,000 requests: 160 kB of doubles), so
// p50/p95/p99/max are the true nearest-rank percentiles of kit/stats.ts, with no bucketing error. The values
// are differences of performance.now(), which in Node reads the monotonic high-resolution clock in fractional
// milliseconds (well under a microsecond, not coarsened as browsers do): the floor of what is measured is
// not the clock but the event loop, which notices an answer only when it gets to it (typically well under a
// millisecond, more on a busy machine), and the timer that starts each arrival (about 1 ms granularity,
// charged to the latency since it is counted from the due time).
export function summarize(tally: Tally, spanMs: number): ClassResult {
  const failed = errorKinds.reduce((sum, kind) => sum + tally.errors[kind], 0);
  const at = (p: number) => percentile(tally.latencies, p);
  return {
    requests: tally.requests,
    answered: tally.latencies.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: at(100),
    errors: { ...tally.errors },
    errorShare: tally.requests === 0 ? 0 : failed / tally.requests,
    achievedRate: (tally.latencies.length * 1000) / spanMs,
  };
}

/** Drive the app at `rate` req/s for `durationMs`, open-loop, and report each route class and the whole. */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const settings = checkOpenLoop(options);
  const plan = arrivalPlan({ rate: options.rate, durationMs: options.durationMs, mix: options.mix, seed: settings.seed });
  const random = seededRandom(settings.seed + 1);
  const tallies = new Map(options.mix.map((e) => [e.routeClass, emptyTally()]));
  // undici's Pool keeps the connections open between requests (keep-alive) and opens at most one per request
  // in flight: a connection per request would measure TCP setup and, at a few thousand req/s, run the
  // machine out of ephemeral ports (TIME_WAIT), neither of which is the app's latency. connections =
  // maxInFlight and no pipelining, so a request never waits in the client for a free connection: any
  // queueing measured is the server's. Its own timeouts are a backstop behind the abort below.
  const pool = new Pool(settings.origin, {
    connections: settings.maxInFlight,
    pipelining: 1,
    connectTimeout: settings.timeoutMs,
    headersTimeout: settings.timeoutMs * 2,
    bodyTimeout: settings.timeoutMs * 2,
  });
  const start = performance.now();
  let maxSendLagMs = 0;
  let inFlight = 0;
  const sent: Promise<void>[] = [];
  /** The first error of the caller's own code (onOutcome) while requests were out, thrown once they settle. */
  let callerError: { error: unknown } | undefined;

  const settle = (arrival: Arrival, tally: Tally, outcome: Pick<RequestOutcome, "sentMs" | "latencyMs" | "status" | "kind">) => {
    if (outcome.latencyMs !== null) tally.latencies.push(outcome.latencyMs);
    if (outcome.kind !== "ok") tally.errors[outcome.kind]++;
    options.onOutcome?.({ index: arrival.index, routeClass: arrival.routeClass, dueMs: arrival.at, ...outcome });
  };

  const send = async (arrival: Arrival, request: Dispatcher.RequestOptions, tally: Tally, sentMs: number) => {
    const due = start + arrival.at;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, due + settings.timeoutMs - performance.now()));
    let outcome: Parameters<typeof settle>[2];
    try {
      const response = await pool.request({ ...request, signal: controller.signal });
      await response.body.arrayBuffer();
      const status = response.statusCode;
      outcome = { sentMs, latencyMs: performance.now() - due, status, kind: statusKind(status) ?? "ok" };
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      outcome = { sentMs, latencyMs: null, status: null, kind: controller.signal.aborted || timeoutCodes.has(code) ? "timeout" : "connection" };
    } finally {
      clearTimeout(timer);
      inFlight--;
    }
    // Outside the try: a failing onOutcome is the caller's error, not a failed request.
    settle(arrival, tally, outcome);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      const tick = () => {
        try {
          const now = performance.now() - start;
          // Every arrival due by now goes out, however late this tick runs: the schedule never slips.
          while (next < plan.length && plan[next]!.at <= now) {
            const arrival = plan[next++]!;
            const tally = tallies.get(arrival.routeClass)!;
            tally.requests++;
            if (inFlight >= settings.maxInFlight) {
              settle(arrival, tally, { sentMs: null, latencyMs: null, status: null, kind: "dropped" });
              continue;
            }
            const built = arrival.entry.request(arrival.index, random);
            const request = { method: built.method, path: settings.prefix + built.path, headers: built.headers, body: built.body } as Dispatcher.RequestOptions;
            inFlight++;
            const sentMs = performance.now() - start;
            maxSendLagMs = Math.max(maxSendLagMs, sentMs - arrival.at);
            sent.push(send(arrival, request, tally, sentMs).catch((error: unknown) => void (callerError ??= { error })));
          }
          if (next >= plan.length) resolve();
          else setTimeout(tick, Math.max(0, plan[next]!.at - (performance.now() - start)));
        } catch (error) {
          reject(error);
        }
      };
      tick();
    });
  } finally {
    // Every request settles and the pool closes even when the run fails, so no socket keeps the process up.
    await Promise.all(sent);
    await pool.close();
  }
  if (callerError) throw callerError.error;
  const elapsedMs = performance.now() - start;
  const overall = emptyTally();
  const classes: Record<string, ClassResult> = {};
  for (const [name, tally] of tallies) {
    classes[name] = summarize(tally, Math.max(options.durationMs, elapsedMs));
    overall.requests += tally.requests;
    overall.latencies = overall.latencies.concat(tally.latencies);
    for (const kind of errorKinds) overall.errors[kind] += tally.errors[kind];
  }
  return { rate: options.rate, durationMs: options.durationMs, elapsedMs, overall: summarize(overall, Math.max(options.durationMs, elapsedMs)), classes, maxSendLagMs };
}
