// The load curve: the same traffic mix, open-loop, at growing multiples of a base rate (1x, 2x, 5x, 10x),
// each judged against a service-level objective per route class. The knee is the lowest multiple at which
// the SLO breaks: how far this code scales before its users notice.
import { table } from "../terminal/output.ts";
import { checkedRequestCount } from "./arrivals.ts";
import { checkOpenLoop, errorKinds, runOpenLoop, type ClassResult, type OpenLoopOptions, type OpenLoopResult } from "./open-loop.ts";
import { formatNumber, formatValue } from "./report.ts";

// A lab's bench imports the load curve from here alone (kit/test/layers.test.ts lists this file among the
// entry points for labs): the mix's types and the number format come with it.
export type { LoadRequest, MixEntry } from "./arrivals.ts";
export { formatNumber } from "./report.ts";

/** What one route class promises. */
export interface ClassSlo {
  /** p99 latency at most this, ms. */
  p99Ms: number;
  /** Failed requests (every kind, drops included) at most this share of the class's requests, 0 to 1. */
  maxErrorShare: number;
  /**
   * Optionally, p99 at most this many times the class's p99 at the lowest multiple of the same curve: a
   * bound that a slow machine cannot break alone, since both numbers come from the same run.
   */
  p99WithinTimesBase?: number;
}

export type Slo = Record<string, ClassSlo>;

export interface LoadCurveOptions extends Omit<OpenLoopOptions, "rate"> {
  /** Requests per second at 1x. */
  baseRate: number;
  /** Default [1, 2, 5, 10]. */
  multiples?: readonly number[];
  slo: Slo;
  /** Rest between two multiples, so the backlog of one does not land in the next (default 500 ms). */
  pauseMs?: number;
  /** Run no multiple after the knee. */
  stopAfterKnee?: boolean;
  /** Told each multiple as it finishes (a progress line). */
  onStep?: (step: CurveStep) => void;
}

export interface SloBreach {
  routeClass: string;
  rule: "p99" | "errors" | "growth";
  value: number;
  bound: number;
  /** "catalog p99 812 ms > 200 ms" */
  text: string;
}

export interface CurveStep {
  multiple: number;
  result: OpenLoopResult;
  breaches: SloBreach[];
}

export interface LoadCurve {
  baseRate: number;
  steps: CurveStep[];
  /** The lowest multiple at which the SLO broke, or null when it held at every one measured. */
  knee: number | null;
}

const percent = (share: number) => `${formatNumber(share * 100)}%`;
const ms = (value: number) => (Number.isFinite(value) ? formatValue(value, "ms") : "n/a");

/** Check the multiples and the SLO against the mix before anything runs; returns the multiples in order. */
export function checkLoadCurve(options: LoadCurveOptions): number[] {
  const multiples = [...(options.multiples ?? [1, 2, 5, 10])].sort((a, b) => a - b);
  if (multiples.length === 0) throw new Error("multiples is empty: give the multiples of the base rate to run, e.g. [1, 2, 5, 10].");
  for (const [i, m] of multiples.entries()) {
    if (!Number.isFinite(m) || m <= 0) throw new Error(`Every multiple must be a number above 0; got ${m}.`);
    if (i > 0 && multiples[i - 1] === m) throw new Error(`Multiple ${m} is listed twice.`);
  }
  // Every multiple is checked now: a curve must not fail at 10x after minutes spent on 1x to 5x.
  for (const m of multiples) {
    checkOpenLoop({ ...options, rate: options.baseRate * m });
    checkedRequestCount(options.baseRate * m, options.durationMs);
  }
  const classes = new Set(options.mix.map((e) => e.routeClass));
  for (const [name, slo] of Object.entries(options.slo)) {
    if (!classes.has(name)) throw new Error(`The SLO names route class "${name}", which is not in the mix (${[...classes].join(", ")}).`);
    if (!(slo.p99Ms > 0)) throw new Error(`SLO of "${name}": p99Ms must be above 0; got ${slo.p99Ms}.`);
    if (!(slo.maxErrorShare >= 0 && slo.maxErrorShare <= 1)) throw new Error(`SLO of "${name}": maxErrorShare is a share from 0 to 1; got ${slo.maxErrorShare}.`);
    if (slo.p99WithinTimesBase !== undefined && !(slo.p99WithinTimesBase >= 1)) {
      throw new Error(`SLO of "${name}": p99WithinTimesBase must be at least 1; got ${slo.p99WithinTimesBase}.`);
    }
  }
  return multiples;
}

/** Where one multiple's result breaks the SLO; `base` is the lowest multiple's result (none for that one itself). */
export function sloBreaches(result: OpenLoopResult, slo: Slo, base?: OpenLoopResult): SloBreach[] {
  const breaches: SloBreach[] = [];
  for (const [name, bound] of Object.entries(slo)) {
    const c = result.classes[name];
    if (!c || c.requests === 0) continue;
    if (c.p99 > bound.p99Ms) breaches.push({ routeClass: name, rule: "p99", value: c.p99, bound: bound.p99Ms, text: `${name} p99 ${ms(c.p99)} > ${ms(bound.p99Ms)}` });
    if (c.errorShare > bound.maxErrorShare) {
      breaches.push({ routeClass: name, rule: "errors", value: c.errorShare, bound: bound.maxErrorShare, text: `${name} errors ${percent(c.errorShare)} > ${percent(bound.maxErrorShare)}` });
    }
    const baseP99 = base?.classes[name]?.p99 ?? Number.NaN;
    if (bound.p99WithinTimesBase !== undefined && Number.isFinite(baseP99) && c.p99 > bound.p99WithinTimesBase * baseP99) {
      const limit = bound.p99WithinTimesBase * baseP99;
      breaches.push({ routeClass: name, rule: "growth", value: c.p99, bound: limit, text: `${name} p99 ${ms(c.p99)} > ${formatNumber(bound.p99WithinTimesBase)}× its p99 at the lowest multiple (${ms(baseP99)})` });
    }
  }
  return breaches;
}

/** The lowest multiple whose step broke the SLO, or null. */
export const kneeOf = (steps: readonly CurveStep[]): number | null => steps.find((s) => s.breaches.length > 0)?.multiple ?? null;

const pause = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

/** Run the mix at each multiple of the base rate in turn, lowest first, and find the knee. */
export async function runLoadCurve(options: LoadCurveOptions): Promise<LoadCurve> {
  const multiples = checkLoadCurve(options);
  const { baseRate, multiples: _m, slo, pauseMs = 500, stopAfterKnee = false, onStep, ...run } = options;
  const steps: CurveStep[] = [];
  for (const multiple of multiples) {
    if (steps.length > 0) await pause(pauseMs);
    const result = await runOpenLoop({ ...run, rate: baseRate * multiple });
    const step = { multiple, result, breaches: sloBreaches(result, slo, steps[0]?.result) };
    steps.push(step);
    onStep?.(step);
    if (stopAfterKnee && step.breaches.length > 0) break;
  }
  return { baseRate, steps, knee: kneeOf(steps) };
}

/** "2 5xx, 1 timeout (12%)", or "none". */
export function errorsText(c: ClassResult): string {
  const parts = errorKinds.filter((k) => c.errors[k] > 0).map((k) => `${formatNumber(c.errors[k])} ${k}`);
  return parts.length === 0 ? "none" : `${parts.join(", ")} (${percent(c.errorShare)})`;
}

/** One multiple as a compact table: a row per route class, then all of them. */
export function stepLines(step: CurveStep, baseRate: number): string[] {
  const { result } = step;
  const rows = [...Object.entries(result.classes), ["all", result.overall] as const].map(([name, c]) => [
    `  ${name}`,
    formatNumber(c.requests),
    ms(c.p50),
    ms(c.p95),
    ms(c.p99),
    errorsText(c),
  ]);
  return [
    `${formatValue(step.multiple, "x")} · ${formatValue(baseRate * step.multiple, "req/s")} offered · ${formatValue(result.overall.achievedRate, "req/s")} answered`,
    ...table([["  class", "requests", "p50", "p95", "p99", "errors"], ...rows]),
  ];
}

/** "SLO breaks at 5x (catalog p99 812 ms > 200 ms)", or that it held. */
export function kneeLine(curve: LoadCurve): string {
  const kneeStep = curve.steps.find((s) => s.multiple === curve.knee);
  if (!kneeStep) return `SLO holds at every multiple measured (up to ${formatValue(curve.steps.at(-1)?.multiple ?? 0, "x")})`;
  return `SLO breaks at ${formatValue(kneeStep.multiple, "x")} (${kneeStep.breaches.map((b) => b.text).join("; ")})`;
}

/** What the terminal shows after a curve: each multiple's table, then the knee. */
export const loadCurveReport = (curve: LoadCurve): string[] => [...curve.steps.flatMap((s) => [...stepLines(s, curve.baseRate), ""]), kneeLine(curve)];

/** One point of a curve for a chart: p99 and error share at a multiple, of one route class or of the whole. */
export interface LoadCurvePoint {
  multiple: number;
  /** null when nothing was answered. */
  p99Ms: number | null;
  errorShare: number;
}

export function curvePoints(curve: LoadCurve, routeClass?: string): LoadCurvePoint[] {
  return curve.steps.map(({ multiple, result }) => {
    const c = routeClass === undefined ? result.overall : result.classes[routeClass];
    return { multiple, p99Ms: c && Number.isFinite(c.p99) ? c.p99 : null, errorShare: c?.errorShare ?? 0 };
  });
}
