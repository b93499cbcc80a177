import { randomBytes } from "node:crypto";
import { after } from "node:test";
import { labServices, startInstance, startProcess, type Instance, type RunningProcess } from "#kit/testing/index.ts";
import { startFakeEmailProvider, type FakeEmailProvider } from "../src/email-provider.ts";
import { describeSpans, startCollector, type Collector, type ReceivedSpan } from "./collector.ts";
import { waitForSpans, type Traced } from "./support/waiting.ts";

export { Kind, describeSpans, type Collector, type ReceivedSpan } from "./collector.ts";

export interface Stack {
  api: Instance;
  worker: RunningProcess;
  provider: FakeEmailProvider;
  collector: Collector;
  /**
   * Resolve once `check()` is true. Fails as soon as the outcome is known, naming the cause: a process
   * exited, has no SDK, failed to flush or reported an SDK error; or both processes have flushed
   * repeatedly and what was awaited has still not arrived.
   */
  waitFor(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
}

export interface StackOptions {
  /** Extra environment for both processes (TRACE_SAMPLE_RATIO, OTEL_BSP_SCHEDULE_DELAY...). */
  env?: Record<string, string>;
}

const probe = new URL("./support/sdk-probe.ts", import.meta.url).href;
const stacks: Stack[] = [];
/** Starts still under way: a `before` that timed out must not leave them running once they finish. */
const starting = new Set<Promise<{ kill(): Promise<unknown> }>>();
let stackCount = 0;
let users = 0;

/**
 * The collector, the email provider, the API and the worker, each process started the way the README
 * says: `node --import <src/telemetry.ts> <entry>`, exporting to this test's collector.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const services = await labServices(["redis", "mongo"]);
  const collector = await startCollector();
  const provider = await startFakeEmailProvider();
  // Each stack its own BullMQ prefix and database: a worker of another stack must not take its jobs.
  const namespace = `${services.namespace}_s${++stackCount}`;
  const env = (service: string) => ({
    ...services.env,
    WORKBOOK_NS: namespace,
    // The probe (test/support/sdk-probe.ts) comes second, once the learner's telemetry has run: it lets
    // a waiting test ask the process to flush, and learn at once that nothing is coming, and why.
    NODE_OPTIONS: `--import=${new URL("../src/telemetry.ts", import.meta.url).href} --import=${probe}`,
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    // Batches leave every 100 ms instead of every 5 s, so tests do not wait.
    OTEL_BSP_SCHEDULE_DELAY: "100",
    // An export may wait 30 s for its answer (default 10 s): step 5 holds the collector that long on a busy machine.
    OTEL_EXPORTER_OTLP_TIMEOUT: "30000",
    // What @opentelemetry/exporter-trace-otlp-http sends anyway; an SDK left to build its exporter from
    // the environment would send protobuf otherwise.
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
    // The sampler is the lab's to choose: nothing inherited from the shell may choose it instead.
    OTEL_TRACES_SAMPLER: "",
    OTEL_TRACES_SAMPLER_ARG: "",
    EMAIL_URL: provider.url,
    WORKER_CONCURRENCY: "2",
    ...options.env,
  });
  // Both start at once: loading the SDK costs each process seconds, and neither needs the other to start.
  const launches = [
    startInstance({ entry: new URL("../src/server.ts", import.meta.url), env: env("lab13-api"), name: "API", startTimeoutMs: 90_000 }),
    startProcess({ entry: new URL("../src/worker.ts", import.meta.url), env: env("lab13-worker"), readyPattern: /worker ready/, readyTimeoutMs: 90_000, name: "worker" }),
  ] as const;
  for (const launch of launches) starting.add(launch);
  const [apiStart, workerStart] = await Promise.allSettled(launches);
  for (const launch of launches) starting.delete(launch);
  if (apiStart.status === "rejected" || workerStart.status === "rejected") {
    // The failure that matters is the start-up error; the one that did start is killed quietly.
    if (apiStart.status === "fulfilled") await apiStart.value.kill();
    if (workerStart.status === "fulfilled") await workerStart.value.kill();
    throw apiStart.status === "rejected" ? apiStart.reason : (workerStart as PromiseRejectedResult).reason;
  }
  const api = apiStart.value;
  const worker = workerStart.value;
  const traced: Traced[] = [
    { name: "API", service: "lab13-api", get child() { return api.child; }, output: () => api.output() },
    { name: "worker", service: "lab13-worker", child: worker.child, output: () => worker.output() },
  ];
  const stack: Stack = { api, worker, provider, collector, waitFor: (what, check, timeoutMs) => waitForSpans(traced, collector, what, check, timeoutMs) };
  stacks.push(stack);
  return stack;
}

export interface TraceParent {
  traceId: string;
  spanId: string;
  header: string;
}

/** A W3C traceparent as a caller upstream would send it; `sampled` sets its flags (01 or 00). */
export function traceParent(sampled = true): TraceParent {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, header: `00-${traceId}-${spanId}-${sampled ? "01" : "00"}` };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** POST /users for a new, unique user; `headers` may carry a traceparent. */
export async function signUp(stack: Stack, headers: Record<string, string> = {}): Promise<Answer & { email: string }> {
  const email = `user${++users}-${process.pid}-${Date.now()}@example.com`;
  const answer = await request(`${stack.api.url}/users`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ email, name: "Ada" }) });
  return { ...answer, email };
}

export async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body };
}

/** The JSON log lines a process wrote to stdout (other lines are skipped). */
export function logLines(process: { output(): string }): Array<Record<string, unknown>> {
  return process.output().split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** The span whose id is `id` in `spans`, if any. */
export function byId(spans: readonly ReceivedSpan[], id: string): ReceivedSpan | undefined {
  return spans.find((span) => span.spanId === id);
}

/** True when `ancestorId` is `span` itself or on its chain of parents within `spans`. */
export function descendsFrom(spans: readonly ReceivedSpan[], span: ReceivedSpan, ancestorId: string): boolean {
  for (let current: ReceivedSpan | undefined = span; current; current = byId(spans, current.parentSpanId)) {
    if (current.spanId === ancestorId) return true;
  }
  return false;
}

/** The welcome email of this sign-up has reached the provider, and the worker has logged it. */
export async function emailSent(stack: Stack, signedUp: { email: string; body: Record<string, unknown> }): Promise<void> {
  const deadline = Date.now() + 40_000;
  const logged = () => logLines(stack.worker).some((line) => line.msg === "welcome email sent" && line.userId === signedUp.body.id);
  while (!stack.provider.requests.some((r) => r.to === signedUp.email) || !logged()) {
    if (Date.now() > deadline) throw new Error(`the worker never sent (and logged) the welcome email to ${signedUp.email}. Its output:\n${stack.worker.output()}`);
    if (stack.worker.child.exitCode !== null || stack.worker.child.signalCode !== null) {
      throw new Error(`the worker exited (code ${stack.worker.child.exitCode}) before it sent the welcome email to ${signedUp.email}. Its output:\n${stack.worker.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The first JSON line of `process` that `match` accepts, once it has been written. */
export async function logLine(process: { output(): string }, what: string, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = logLines(process).find(match);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`expected a JSON log line ${what}; the output:\n${process.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function explain(spans: readonly ReceivedSpan[]): string {
  return describeSpans(spans);
}

/** After the file: every process must exit by itself on SIGTERM (and flush its spans on the way). */
after(async () => {
  for (const launch of starting) void launch.then((proc) => proc.kill(), () => undefined);
  const stopping = stacks.flatMap((stack) => [stack.api.stop({ timeoutMs: 15_000 }), stack.worker.stop({ timeoutMs: 15_000 })]);
  const stopped = await Promise.allSettled(stopping);
  for (const stack of stacks) {
    await stack.provider.close();
    await stack.collector.close();
  }
  const failures = stopped.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
  if (failures.length > 0) throw new Error(`expected the API and the worker to exit by themselves on SIGTERM:\n${failures.join("\n")}`);
});
