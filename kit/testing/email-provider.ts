/**
 * A stand-in for a third-party email provider whose budget is real: it admits at most
 * `callsPerSecond` calls a second (a token bucket holding `burst` calls) and answers 429 with
 * Retry-After to the rest, as Resend or SendGrid do past their rate limits. Tests start it in
 * their own process with an injected clock and random source, script its failures, and read
 * what it counted (`stats()`, `deliveries`). See kit/README.md, "The email
 * provider: a calls-per-second budget". By hand:
 *
 *   node kit/bootstrap/node.cjs kit/testing/email-provider.ts --calls-per-second 20 --port 4100
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";

/** The largest request body POST /emails accepts, in bytes; a larger one is answered 400. */
export const MAX_EMAIL_BODY_BYTES = 64 * 1024;

/** What `configure()` may change on a running provider. */
export interface EmailProviderSettings {
  /** The budget: tokens added to the bucket per second. Finite and > 0. */
  callsPerSecond: number;
  /** The bucket's size: calls an idle provider admits at once. Finite and >= 1. */
  burst: number;
  /** Chance (0..1) that an admitted, valid call answers 503 and sends nothing. */
  failureRate: number;
  /** How long an admitted call's answer waits (ms). The email is sent when the call arrives. */
  delayMs: number;
}

export interface EmailProviderOptions {
  callsPerSecond: number;
  /** Default: callsPerSecond (at least 1), and it follows callsPerSecond in `configure()` until set. */
  burst?: number;
  failureRate?: number;
  delayMs?: number;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The provider's clock in ms (rate limit, busiest second, deliveries' `at`). Default performance.now. */
  now?: () => number;
  /** Draws in [0, 1) for failureRate. Default Math.random. */
  random?: () => number;
}

/** The budget as the provider counted it since the start or the last `reset()`. */
export interface EmailProviderStats {
  /** Every POST /emails that reached the provider: admitted + rateLimited. */
  calls: number;
  /** Calls that got a token: delivered + duplicates + failed + badRequests. */
  admitted: number;
  /** Calls answered 429 (no token; they took none). */
  rateLimited: number;
  /** Admitted calls answered 503 (failNext or failureRate). */
  failed: number;
  /** Emails sent. */
  delivered: number;
  /** Idempotent replays: answered 200 with the first call's messageId, nothing sent. */
  duplicates: number;
  /** Admitted calls answered 400 (bad JSON, no `to`, too large) or 422 (key reused for another `to`). */
  badRequests: number;
  /** The most calls (admitted or not) that arrived within any sliding 1-second window. */
  maxCallsInAnySecond: number;
}

export interface EmailDelivery {
  /** When the call arrived, on the provider's clock (ms). */
  at: number;
  to: string;
  subject: string;
  idempotencyKey: string | undefined;
  messageId: string;
}

export interface EmailProvider {
  /** http://host:port, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every email sent, in order. The same array for the provider's life (`reset()` empties it). */
  readonly deliveries: readonly EmailDelivery[];
  deliveriesTo(to: string): EmailDelivery[];
  stats(): EmailProviderStats;
  settings(): EmailProviderSettings;
  /** The next `n` admitted calls that would otherwise be answered 200 get 503 instead (0 cancels). */
  failNext(n: number): void;
  /** Changes settings, validated as at start; on a RangeError nothing changes. */
  configure(settings: Partial<EmailProviderSettings>): void;
  /** Zeroes the counters, empties deliveries, forgets idempotency keys and failNext, refills the bucket. Settings stay. */
  reset(): void;
  /** Stops listening and ends every connection, idle or in flight. */
  close(): Promise<void>;
}

const show = (value: unknown) => (typeof value === "number" ? String(value) : JSON.stringify(value) ?? String(value));

function requireNumber(name: string, value: unknown, ok: (v: number) => boolean, wanted: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) {
    throw new RangeError(`email provider: ${name} must be ${wanted}, got ${show(value)}`);
  }
}

function validate(settings: EmailProviderSettings): void {
  requireNumber("callsPerSecond", settings.callsPerSecond, (v) => v > 0, "a finite number > 0");
  requireNumber("burst", settings.burst, (v) => v >= 1, "a finite number >= 1");
  requireNumber("failureRate", settings.failureRate, (v) => v >= 0 && v <= 1, "a number from 0 to 1");
  requireNumber("delayMs", settings.delayMs, (v) => v >= 0, "a finite number >= 0");
}

// Float slack for token arithmetic: 1/3 of a token a third of a second apart must add up to a whole one.
const SLACK = 1e-9;

/**
 * A token bucket on an injected clock: it holds up to `burst` tokens, refills continuously at
 * `callsPerSecond`, and an admitted call takes one whole token. A clock that steps back refills nothing.
 */
class CallBudget {
  #tokens: number;
  #lastMs: number | undefined;
  #rate: number;
  #burst: number;

  constructor(callsPerSecond: number, burst: number) {
    this.#rate = callsPerSecond;
    this.#burst = burst;
    this.#tokens = burst;
  }

  #refill(nowMs: number): void {
    if (this.#lastMs !== undefined && nowMs > this.#lastMs) {
      this.#tokens = Math.min(this.#burst, this.#tokens + ((nowMs - this.#lastMs) * this.#rate) / 1000);
    }
    if (this.#lastMs === undefined || nowMs > this.#lastMs) this.#lastMs = nowMs;
  }

  /** 0 when the call may go (its token is taken), else how many ms until a token is there. */
  take(nowMs: number): number {
    this.#refill(nowMs);
    if (this.#tokens >= 1 - SLACK) {
      this.#tokens = Math.max(0, this.#tokens - 1);
      return 0;
    }
    return ((1 - this.#tokens) * 1000) / this.#rate;
  }

  /** New rate and size from now on: tokens earned so far count at the old rate. */
  change(nowMs: number, callsPerSecond: number, burst: number): void {
    this.#refill(nowMs);
    this.#rate = callsPerSecond;
    this.#burst = burst;
    this.#tokens = Math.min(this.#tokens, burst);
  }

  fill(): void {
    this.#tokens = this.#burst;
  }
}

/** Retry-After as RFC 9110 delay-seconds: whole seconds, rounded up so a retry then finds a token, at least 1. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000 - SLACK));
}

/** The most arrivals in any half-open window [t, t + 1000 ms). */
class BusiestSecond {
  #window: number[] = [];
  max = 0;

  add(atMs: number): void {
    const last = this.#window.at(-1);
    const at = last !== undefined && atMs < last ? last : atMs;
    while (this.#window.length > 0 && this.#window[0]! <= at - 1000) this.#window.shift();
    this.#window.push(at);
    this.max = Math.max(this.max, this.#window.length);
  }

  clear(): void {
    this.#window = [];
    this.max = 0;
  }
}

type EmailRequest = { to: string; subject: string } | { error: string };

/** What POST /emails carries: a JSON object with a non-empty string `to`, and strings (or nothing) in `subject` and `body`. */
function readEmailRequest(raw: Buffer | number): EmailRequest {
  if (typeof raw === "number") return { error: `the body is ${raw} bytes; the limit is ${MAX_EMAIL_BODY_BYTES}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    return { error: "the body is not valid JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { error: "the body must be a JSON object { to, subject, body? }" };
  const { to, subject, body } = parsed as Record<string, unknown>;
  if (typeof to !== "string" || to === "") return { error: "to must be a non-empty string" };
  if (subject !== undefined && typeof subject !== "string") return { error: "subject must be a string" };
  if (body !== undefined && typeof body !== "string") return { error: "body must be a string" };
  return { to, subject: subject ?? "" };
}

/** The request body, or its size in bytes when it is over the limit (the rest is then read and dropped). */
async function readLimited(req: IncomingMessage): Promise<Buffer | number> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_EMAIL_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_EMAIL_BODY_BYTES ? size : Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
}

const OUTCOMES = [
  ["delivered", "delivered"],
  ["duplicate", "duplicates"],
  ["rate_limited", "rateLimited"],
  ["failed", "failed"],
  ["bad_request", "badRequests"],
] as const;

/** The counters in the Prometheus text exposition format 0.0.4, as prom-client writes them. */
export function emailProviderMetrics(stats: EmailProviderStats): string {
  const name = "email_provider_calls_total";
  return [
    `# HELP ${name} Calls to POST /emails by outcome: delivered (sent), duplicate (idempotent replay, not sent again), rate_limited (429), failed (503), bad_request (400 or 422).`,
    `# TYPE ${name} counter`,
    ...OUTCOMES.map(([outcome, field]) => `${name}{outcome="${outcome}"} ${stats[field]}`),
  ].join("\n") + "\n";
}

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const zeroStats = (): EmailProviderStats => ({ calls: 0, admitted: 0, rateLimited: 0, failed: 0, delivered: 0, duplicates: 0, badRequests: 0, maxCallsInAnySecond: 0 });

export async function startEmailProvider(options: EmailProviderOptions): Promise<EmailProvider> {
  const settings: EmailProviderSettings = {
    callsPerSecond: options.callsPerSecond,
    burst: options.burst ?? Math.max(1, options.callsPerSecond),
    failureRate: options.failureRate ?? 0,
    delayMs: options.delayMs ?? 0,
  };
  validate(settings);
  const port = options.port ?? 0;
  requireNumber("port", port, (v) => Number.isInteger(v) && v >= 0 && v <= 65535, "an integer from 0 to 65535");
  let burstFollowsRate = options.burst === undefined;
  const now = options.now ?? (() => performance.now());
  const random = options.random ?? Math.random;

  const budget = new CallBudget(settings.callsPerSecond, settings.burst);
  const busiest = new BusiestSecond();
  let counts = zeroStats();
  const deliveries: EmailDelivery[] = [];
  /** Idempotency key → the delivery it sent. Only delivered keys are kept: a failed first call can be retried. */
  const sentByKey = new Map<string, EmailDelivery>();
  let forcedFailures = 0;
  const timers = new Set<NodeJS.Timeout>();

  const stats = (): EmailProviderStats => ({ ...counts, maxCallsInAnySecond: busiest.max });

  // An admitted call's answer waits delayMs; close() clears the waits, so nothing outlives the server.
  const pause = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timers.add(timer);
        });

  async function postEmail(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = now();
    counts.calls++;
    busiest.add(at);
    const waitMs = budget.take(at);
    if (waitMs > 0) {
      counts.rateLimited++;
      const seconds = retryAfterSeconds(waitMs);
      const error = `rate limit exceeded: ${settings.callsPerSecond} calls/s (burst ${settings.burst}); retry after ${seconds} s`;
      return sendJson(res, 429, { error }, { "retry-after": String(seconds) });
    }
    counts.admitted++;

    let raw: Buffer | number;
    try {
      raw = await readLimited(req);
    } catch {
      // The client went away mid-body: nobody reads an answer, but the call took a token; count it as bad.
      counts.badRequests++;
      return;
    }
    const header = req.headers["idempotency-key"];
    const key = typeof header === "string" ? header : undefined;
    const email = readEmailRequest(raw);
    const refuse = async (status: number, error: string) => {
      counts.badRequests++;
      await pause(settings.delayMs);
      sendJson(res, status, { error });
    };
    if ("error" in email) return refuse(400, email.error);
    if (key === "") return refuse(400, "Idempotency-Key must not be empty");
    const first = key === undefined ? undefined : sentByKey.get(key);
    if (first !== undefined && first.to !== email.to) {
      return refuse(422, `Idempotency-Key ${JSON.stringify(key)} was already used for another recipient`);
    }

    if (forcedFailures > 0 || (settings.failureRate > 0 && random() < settings.failureRate)) {
      forcedFailures = Math.max(0, forcedFailures - 1);
      counts.failed++;
      await pause(settings.delayMs);
      return sendJson(res, 503, { error: "provider temporarily unavailable; nothing was sent" });
    }

    if (first !== undefined) {
      counts.duplicates++;
      await pause(settings.delayMs);
      return sendJson(res, 200, { messageId: first.messageId }, { "idempotent-replayed": "true" });
    }
    const delivery: EmailDelivery = { at, to: email.to, subject: email.subject, idempotencyKey: key, messageId: `msg_${randomUUID()}` };
    deliveries.push(delivery);
    if (key !== undefined) sentByKey.set(key, delivery);
    counts.delivered++;
    await pause(settings.delayMs);
    sendJson(res, 200, { messageId: delivery.messageId });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "POST" && path === "/emails") {
      postEmail(req, res).catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
    } else if (req.method === "GET" && path === "/stats") {
      sendJson(res, 200, stats());
    } else if (req.method === "GET" && path === "/metrics") {
      res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE }).end(emailProviderMetrics(stats()));
    } else {
      sendJson(res, 404, { error: `no route for ${req.method} ${path}: try POST /emails, GET /stats or GET /metrics` });
    }
  });
  server.listen(port, options.host ?? "127.0.0.1");
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    deliveries,
    deliveriesTo: (to) => deliveries.filter((d) => d.to === to),
    stats,
    settings: () => ({ ...settings }),
    failNext(n) {
      requireNumber("failNext", n, (v) => Number.isInteger(v) && v >= 0, "an integer >= 0");
      forcedFailures = n;
    },
    configure(changes) {
      const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<EmailProviderSettings>;
      const follows = burstFollowsRate && defined.burst === undefined;
      const next = { ...settings, ...defined };
      if (follows) next.burst = Math.max(1, next.callsPerSecond);
      validate(next);
      burstFollowsRate = follows;
      Object.assign(settings, next);
      budget.change(now(), settings.callsPerSecond, settings.burst);
    },
    reset() {
      counts = zeroStats();
      busiest.clear();
      deliveries.length = 0;
      sentByKey.clear();
      forcedFailures = 0;
      budget.fill();
    },
    close() {
      closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        const closed = once(server, "close");
        server.close();
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

const USAGE =
  "usage: node kit/bootstrap/node.cjs kit/testing/email-provider.ts --calls-per-second N [--burst N] [--failure-rate 0..1] [--delay-ms MS] [--port P] [--host 127.0.0.1]";

async function main(args: string[]): Promise<void> {
  const fail = (code: number, message: string): never => {
    process.stderr.write(`email-provider: ${message}\n`);
    process.exit(code);
  };
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        "calls-per-second": { type: "string" },
        burst: { type: "string" },
        "failure-rate": { type: "string" },
        "delay-ms": { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    return fail(2, `${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\nAn email provider that answers 429 above its calls-per-second budget (kit/README.md, "The email provider").\n`);
    return;
  }
  const number = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value)) fail(2, `--${flag} must be a number, got ${JSON.stringify(raw)}\n${USAGE}`);
    return value;
  };
  const callsPerSecond = number("calls-per-second", values["calls-per-second"]);
  if (callsPerSecond === undefined) return fail(2, `--calls-per-second is required\n${USAGE}`);
  const options: EmailProviderOptions = { callsPerSecond };
  const burst = number("burst", values.burst);
  const failureRate = number("failure-rate", values["failure-rate"]);
  const delayMs = number("delay-ms", values["delay-ms"]);
  const port = number("port", values.port);
  if (burst !== undefined) options.burst = burst;
  if (failureRate !== undefined) options.failureRate = failureRate;
  if (delayMs !== undefined) options.delayMs = delayMs;
  if (port !== undefined) options.port = port;
  if (values.host !== undefined) options.host = values.host;

  let provider: EmailProvider;
  try {
    provider = await startEmailProvider(options);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (error instanceof RangeError) return fail(2, `${e.message.replace(/^email provider: /, "")}\n${USAGE}`);
    if (e.code === "EADDRINUSE") return fail(1, `port ${port} is already in use; choose another with --port (0 picks a free one)`);
    return fail(1, e.message);
  }
  const s = provider.settings();
  process.stderr.write(
    `email-provider: ${s.callsPerSecond} calls/s (burst ${s.burst}), failure rate ${s.failureRate}, delay ${s.delayMs} ms; POST ${provider.url}/emails, counters at ${provider.url}/stats and /metrics. Ctrl+C stops it.\n`,
  );
  process.stdout.write(`${provider.url}\n`);
  const stop = async (signal: string) => {
    const last = provider.stats();
    await provider.close();
    process.stderr.write(`email-provider: stopped (${signal}); counted ${JSON.stringify(last)}\n`);
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

if (import.meta.main) await main(process.argv.slice(2));
