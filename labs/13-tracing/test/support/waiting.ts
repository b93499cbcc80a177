/**
 * Waiting for spans without waiting out a timeout when the outcome is already known. Each process runs
 * test/support/sdk-probe.ts: sent SIGUSR2, it flushes its tracer provider and prints one reply line. A
 * wait therefore ends, with the cause first, as soon as
 * - a process has exited (its output is shown);
 * - a process has no SDK running, or its flush failed, or its SDK reported an error and none of its
 *   spans has ever arrived (the error is shown: a TypeError from a processor built the wrong way);
 * - both processes have flushed `settledFlushes` times in a row and what was awaited is still missing:
 *   every span that had ended has been sent by then, so it is not coming.
 */
import type { ChildProcess } from "node:child_process";
import { describeSpans, type Collector } from "../collector.ts";

export interface Traced {
  /** "API" or "worker", as failures name it. */
  name: string;
  /** The service.name it is started with. */
  service: string;
  readonly child: ChildProcess;
  output(): string;
}

interface ProbeReply {
  n: number;
  sdk: boolean;
  ok: boolean;
  errors: string[];
  failure: string;
}

const marker = "[lab13-probe] ";
// Flush rounds with the awaited spans still missing before the wait gives up. A span ended before the wait
// began is in the first flush; the rounds after it cover what ends a moment later (BullMQ ends the CONSUMER
// span after the job's completion is written to Redis) and exports already in flight, which a flush does not
// wait for. Rounds are counted, and spaced by `roundGapMs` only so that they do not spin.
const settledFlushes = 5;
const roundGapMs = 500;

function replies(proc: Traced): ProbeReply[] {
  return proc.output().split("\n").flatMap((line) => (line.startsWith(marker) ? [JSON.parse(line.slice(marker.length)) as ProbeReply] : []));
}

const exited = (proc: Traced) => proc.child.exitCode !== null || proc.child.signalCode !== null;
const tail = (text: string) => (text.length > 4000 ? `…${text.slice(-4000)}` : text);

/** Ask `proc` to flush and wait for its reply; undefined if it exits first or `deadline` passes. */
async function flush(proc: Traced, deadline: number): Promise<ProbeReply | undefined> {
  const before = replies(proc).length;
  proc.child.kill("SIGUSR2");
  while (Date.now() < deadline && !exited(proc)) {
    const all = replies(proc);
    if (all.length > before) return all[all.length - 1];
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}

export async function waitForSpans(procs: readonly Traced[], collector: Collector, what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  // The backstop, for what no probe can tell: a flush that never returns (an exporter stuck on its own timeout).
  const deadline = Date.now() + timeoutMs;
  const sdkErrors = new Map<string, string[]>();
  const received = () => `The collector received ${collector.spans.length} spans:\n${describeSpans(collector.spans)}`;
  const fail = (cause: string) => {
    const reported = [...sdkErrors].flatMap(([name, errors]) => errors.map((e) => `  ${name}: ${e}`));
    const errors = reported.length > 0 ? `\nWhat the SDK reported (diag):\n${reported.join("\n")}` : "";
    return new Error(`${cause}${errors}\nWhile waiting for ${what}. ${received()}`);
  };
  let settled = 0;
  for (;;) {
    if (check()) return;
    for (const proc of procs) {
      if (exited(proc)) throw fail(`the ${proc.name} exited (code ${proc.child.exitCode}, signal ${proc.child.signalCode}). Its output:\n${tail(proc.output())}\n`);
    }
    if (Date.now() > deadline) throw fail(`waited ${timeoutMs} ms in vain (a flush did not return).`);
    for (const proc of procs) {
      const reply = await flush(proc, deadline);
      if (!reply) continue;
      if (reply.errors.length > 0) sdkErrors.set(proc.name, [...(sdkErrors.get(proc.name) ?? []), ...reply.errors]);
      if (!reply.sdk) {
        throw fail(`the ${proc.name} has no OpenTelemetry SDK running: no tracer provider was registered by src/telemetry.ts (loaded with --import before the app), so it records and sends nothing.`);
      }
      if (reply.failure) throw fail(`the ${proc.name} could not send its spans: flushing them failed with\n${reply.failure}\n`);
      const sent = collector.spans.some((s) => s.service === proc.service);
      if (!sent && sdkErrors.has(proc.name)) throw fail(`the ${proc.name}'s SDK reported errors, and none of its spans (service.name "${proc.service}") has reached the collector.`);
    }
    if (check()) return;
    if (++settled >= settledFlushes) {
      const silent = procs.filter((proc) => !collector.spans.some((s) => s.service === proc.service));
      const none = silent.map((proc) => `the ${proc.name} has sent no span at all as service.name "${proc.service}"`).join("; ");
      throw fail(`the API and the worker flushed their spans ${settled} times (each flush sends every span ended before it), and what was awaited has not arrived${none ? `: ${none}` : ""}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, roundGapMs));
  }
}
