/**
 * Bench for lab 13, against the code in ctx.appDir:
 * 1. the share of the worker's CONSUMER spans that land in the trace of the request that enqueued
 *    their job (what the collector received, for 30 sign-ups sent with a traceparent);
 * 2. the API's CPU time per POST /users (process.cpuUsage() of the server), traced and untraced,
 *    median of 3 rounds of 40 requests each.
 */
import path from "node:path";
import { median, startInstance, startProcess, type BenchContext, type BenchFigure, type Instance } from "#kit/testing/index.ts";
import { startFakeEmailProvider } from "./src/email-provider.ts";
import { Kind, startCollector, type Collector } from "./test/collector.ts";

const LINKED = 30;
const ROUNDS = 3;
const PER_ROUND = 40;
const probe = new URL("./test/support/cpu-probe.ts", import.meta.url).href;

export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const collector = await startCollector();
  const provider = await startFakeEmailProvider();
  try {
    const traced = await measure(ctx, collector, provider.url, true);
    const untraced = await measure(ctx, collector, provider.url, false);
    return [
      { name: `worker spans linked to the request that caused them (${LINKED} sign-ups)`, value: traced.linked, unit: "%", better: "higher", headline: true },
      { name: "API CPU per POST /users, traced", value: traced.cpuPerRequest, unit: "µs", better: "lower" },
      { name: "API CPU per POST /users, untraced (reference)", value: untraced.cpuPerRequest, unit: "µs", better: "lower", reference: true },
      { name: "tracing overhead (traced / untraced CPU per request)", value: round(traced.cpuPerRequest / untraced.cpuPerRequest), unit: "×", better: "lower" },
    ];
  } finally {
    await provider.close();
    await collector.close();
  }
}

async function measure(ctx: BenchContext, collector: Collector, emailUrl: string, traced: boolean) {
  const imports = traced ? `--import=${new URL("file://" + path.join(ctx.appDir, "src/telemetry.ts")).href} ` : "";
  const env = (service: string) => ({
    ...ctx.env,
    WORKBOOK_NS: `${ctx.env.WORKBOOK_NS}_${traced ? "on" : "off"}`,
    NODE_OPTIONS: `${imports}--import=${probe}`,
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "200",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
    // server.ts imports telemetry.ts for its shutdown: without --import the SDK must stay off.
    ...(traced ? {} : { OTEL_SDK_DISABLED: "true" }),
    EMAIL_URL: emailUrl,
  });
  const api = await startInstance({ entry: path.join(ctx.appDir, "src/server.ts"), env: env("lab13-api"), startTimeoutMs: 30_000 });
  const worker = await startProcess({ entry: path.join(ctx.appDir, "src/worker.ts"), env: env("lab13-worker"), readyPattern: /worker ready/, readyTimeoutMs: 30_000 });
  try {
    let linked = 0;
    if (traced) {
      const traceIds: string[] = [];
      for (let i = 0; i < LINKED; i++) {
        const traceId = randomHex(16);
        traceIds.push(traceId);
        await signUp(api, `linked${i}`, `00-${traceId}-${randomHex(8)}-01`);
      }
      ctx.log(`${LINKED} traced sign-ups sent; waiting for the worker and the exports`);
      await waitUntil(() => worker.output().split("welcome email sent").length - 1 >= LINKED, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const sent = new Set(traceIds);
      const consumers = collector.spans.filter((s) => s.kind === Kind.CONSUMER && s.service === "lab13-worker" && sent.has(s.traceId));
      linked = Math.round((100 * new Set(consumers.map((s) => s.traceId)).size) / LINKED);
    }
    const perRequest: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = await cpu(api);
      for (let i = 0; i < PER_ROUND; i++) await signUp(api, `cpu${round}-${i}`);
      perRequest.push(((await cpu(api)) - before) / PER_ROUND);
    }
    ctx.log(`${traced ? "traced" : "untraced"}: ${perRequest.map((v) => Math.round(v)).join(", ")} µs per request`);
    return { linked, cpuPerRequest: Math.round(median(perRequest)) };
  } finally {
    await api.kill();
    await worker.kill();
  }
}

let users = 0;
async function signUp(api: Instance, tag: string, traceparent?: string): Promise<void> {
  const res = await fetch(`${api.url}/users`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(traceparent ? { traceparent } : {}) },
    body: JSON.stringify({ email: `${tag}-${++users}-${process.pid}@example.com`, name: "Bench" }),
  });
  await res.text();
  if (res.status !== 202) throw new Error(`POST /users answered ${res.status}, expected 202`);
}

/** The API's CPU time so far, in microseconds, as the probe prints it on SIGUSR2. */
async function cpu(api: Instance): Promise<number> {
  const seen = api.output().split("[cpu] ").length;
  api.signal("SIGUSR2");
  await waitUntil(() => api.output().split("[cpu] ").length > seen, 10_000);
  const last = api.output().split("[cpu] ").at(-1) ?? "";
  return Number(last.split("\n")[0]);
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench: waited ${timeoutMs} ms in vain`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function randomHex(bytes: number): string {
  return Array.from({ length: bytes }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, "0")).join("");
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
