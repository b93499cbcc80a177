/**
 * Bench for lab 13, against the code in ctx.appDir:
 * 1. the share of the worker's CONSUMER spans that land in the trace of the request that enqueued
 *    their job (what the collector received, for 30 sign-ups sent with a traceparent);
 * 2. the API's CPU time per POST /users (process.cpuUsage() of the server), traced and untraced:
 *    both stacks run side by side and take turns, 5 rounds of 30 requests each after a warm-up
 *    round, so the machine's load drifts alike for both; medians of the rounds.
 */
import path from "node:path";
import { median, startInstance, startProcess, type BenchContext, type BenchFigure, type Instance, type RunningProcess } from "#kit/testing/index.ts";
import { startFakeEmailProvider } from "./src/email-provider.ts";
import { Kind, startCollector, type Collector } from "./test/collector.ts";

const LINKED = 30;
const ROUNDS = 5;
const PER_ROUND = 30;
const probe = new URL("./test/support/cpu-probe.ts", import.meta.url).href;

export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const collector = await startCollector();
  const provider = await startFakeEmailProvider();
  try {
    const stacks = [await startStack(ctx, collector, provider.url, true), await startStack(ctx, collector, provider.url, false)] as const;
    try {
      const linked = await linkedShare(ctx, collector, stacks[0]);
      const [traced = 0, untraced = 0] = await cpuPerRequest(ctx, stacks);
      return figures({ linked, cpuPerRequest: traced }, { cpuPerRequest: untraced });
    } finally {
      for (const stack of stacks) {
        await stack.api.kill();
        await stack.worker.kill();
      }
    }
  } finally {
    await provider.close();
    await collector.close();
  }
}

function figures(traced: { linked: number; cpuPerRequest: number }, untraced: { cpuPerRequest: number }): BenchFigure[] {
  return [
    { name: `worker spans linked to the request that caused them (${LINKED} sign-ups)`, value: traced.linked, unit: "%", better: "higher", headline: true },
    { name: "API CPU per POST /users, traced", value: traced.cpuPerRequest, unit: "µs", better: "lower" },
    { name: "API CPU per POST /users, untraced (reference)", value: untraced.cpuPerRequest, unit: "µs", better: "lower", reference: true },
    { name: "tracing overhead (traced / untraced CPU per request)", value: round(traced.cpuPerRequest / untraced.cpuPerRequest), unit: "×", better: "lower" },
  ];
}

interface Stack {
  api: Instance;
  worker: RunningProcess;
}

async function startStack(ctx: BenchContext, collector: Collector, emailUrl: string, traced: boolean): Promise<Stack> {
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
  const api = await startInstance({ entry: path.join(ctx.appDir, "src/server.ts"), env: env("lab13-api"), startTimeoutMs: 90_000 });
  const worker = await startProcess({ entry: path.join(ctx.appDir, "src/worker.ts"), env: env("lab13-worker"), readyPattern: /worker ready/, readyTimeoutMs: 90_000 });
  return { api, worker };
}

/** Share (%) of LINKED traced sign-ups whose trace holds the worker's CONSUMER span. */
async function linkedShare(ctx: BenchContext, collector: Collector, { api, worker }: Stack): Promise<number> {
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
  return Math.round((100 * new Set(consumers.map((s) => s.traceId)).size) / LINKED);
}

/** Median µs of API CPU per POST /users for each stack, rounds taken in turns. */
async function cpuPerRequest(ctx: BenchContext, stacks: readonly Stack[]): Promise<number[]> {
  const rounds = stacks.map(() => [] as number[]);
  for (let round = -1; round < ROUNDS; round++) {
    for (const [i, { api }] of stacks.entries()) {
      const before = await cpu(api);
      for (let n = 0; n < PER_ROUND; n++) await signUp(api, `cpu${i}-${round}-${n}`);
      if (round >= 0) rounds[i]!.push(((await cpu(api)) - before) / PER_ROUND); // round -1 warms up
    }
  }
  ctx.log(`µs per request, traced: ${rounds[0]!.map(Math.round).join(", ")}; untraced: ${rounds[1]!.map(Math.round).join(", ")}`);
  return rounds.map((r) => Math.round(median(r)));
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
