import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { scanLabs } from "../kit/labs.ts";
import { copyLab, makeScratch } from "../kit/scratch.ts";
import { resolvePrometheus, type ResolvedPrometheus } from "../kit/services/index.ts";
import { findExecutable } from "../kit/services/binaries.ts";

// Lab 07's Grafana dashboard, checked against a real Prometheus that scrapes the lab's SOLUTION:
// every PromQL expression must parse and return data once the app has had traffic. The static test
// next door (observability-dashboard.test.ts) only compares metric names; this one runs the queries.

const root = fileURLToPath(new URL("..", import.meta.url));
const ops = path.join(root, "labs/07-observability/ops");

const binary = await findExecutable(process.env.PROMETHEUS_BIN || "prometheus");
// Skipped only on a learner's machine without Prometheus; in CI a missing one fails the test instead.
const skip =
  binary === undefined && !process.env.CI
    ? "no Prometheus found: install it (apt install prometheus / brew install prometheus) or set PROMETHEUS_BIN; CI always runs this test"
    : false;

interface Target {
  expr: string;
  legendFormat?: string;
  refId?: string;
}
interface Panel {
  title: string;
  type?: string;
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
}

type Labels = Record<string, string>;
interface ApiAnswer {
  status: "success" | "error";
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: Array<{ metric: Labels; value?: [number, string]; values?: Array<[number, string]> }> };
}

/** Every panel with queries, rows' nested panels included. */
function queryPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [...((p.targets ?? []).length > 0 ? [p] : []), ...queryPanels(p.panels ?? [])]);
}

/** The metric names an expression selects: identifiers not followed by "(" once strings, matchers, ranges and label lists are gone. */
function selectedMetrics(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const keywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);
  return [...bare.matchAll(/([a-zA-Z_:][\w:]*)\s*(\()?/g)].filter((m) => m[2] === undefined && !keywords.has(m[1]!.toLowerCase())).map((m) => m[1]!);
}

/** Labels each result series must carry: those the legend shows and those the expression groups by (le is consumed by histogram_quantile). */
function labelsShown(target: Target): string[] {
  const fromLegend = [...(target.legendFormat ?? "").matchAll(/\{\{\s*([a-zA-Z_]\w*)\s*\}\}/g)].map((m) => m[1]!);
  const fromBy = [...target.expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(",").map((l) => l.trim())).filter((l) => l && l !== "le");
  return [...new Set([...fromLegend, ...fromBy])];
}

/** Grafana's time units against the unit suffix of a metric name (Prometheus naming: base unit in the name). */
const timeUnits: Record<string, string> = { ns: "nanoseconds", "µs": "microseconds", ms: "milliseconds", s: "seconds", m: "minutes", h: "hours", d: "days" };
function unitOfMetric(name: string): string | undefined {
  const base = name.replace(/_(bucket|count|sum|total)$/, "");
  const suffix = /_(nanoseconds|microseconds|milliseconds|ms|seconds|minutes|hours|days)$/.exec(base)?.[1];
  return suffix === "ms" ? "milliseconds" : suffix;
}

interface Problem {
  panel: string;
  expr: string;
  why: string;
}

interface CheckContext {
  prometheus: string;
  /** Replaces $__rate_interval and friends: long enough to hold every scrape of the run. */
  window: string;
  /** The range a time-series panel is drawn over: from the first scrape holding traffic to now. */
  start: number;
  end: number;
  /** Route label values the app itself exports, per metric family: what a by-route panel must show. */
  routes: Map<string, Set<string>>;
}

function substituteVariables(expr: string, window: string): string {
  return expr.replace(/\$(?:\{(\w+)\}|(\w+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? "";
    if (["__rate_interval", "__interval", "__range"].includes(name)) return window;
    throw new Error(`the dashboard uses the variable ${whole}, which this check has no value for`);
  });
}

async function ask(prometheus: string, endpoint: "query" | "query_range", params: Record<string, string>): Promise<ApiAnswer> {
  const response = await fetch(`${prometheus}/api/v1/${endpoint}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(30_000),
  });
  return (await response.json()) as ApiAnswer;
}

/**
 * The checker: run every expression of the dashboard through Prometheus, as an instant query and,
 * for time-series panels, as the range query Grafana draws; list every way a panel would be wrong.
 */
async function checkDashboard(dashboard: Dashboard, ctx: CheckContext): Promise<{ problems: Problem[]; queries: number }> {
  const problems: Problem[] = [];
  let queries = 0;
  for (const panel of queryPanels(dashboard.panels)) {
    const panelUnit = timeUnits[panel.fieldConfig?.defaults?.unit ?? ""];
    for (const target of panel.targets ?? []) {
      const report = (why: string) => problems.push({ panel: panel.title, expr: target.expr, why });
      if (panelUnit) {
        for (const metric of selectedMetrics(target.expr)) {
          const metricUnit = unitOfMetric(metric);
          if (metricUnit && metricUnit !== panelUnit) report(`the panel's unit is ${panelUnit} but ${metric} is in ${metricUnit}`);
        }
      }
      let query: string;
      try {
        query = substituteVariables(target.expr, ctx.window);
      } catch (error) {
        report((error as Error).message);
        continue;
      }
      const shown = labelsShown(target);
      const checkSeries = (kind: string, series: Array<{ metric: Labels; samples: Array<[number, string]> }>) => {
        if (series.length === 0) return report(`the ${kind} query returned no data`);
        for (const { metric, samples } of series) {
          const name = JSON.stringify(metric);
          if (!samples.some(([, v]) => Number.isFinite(Number(v)))) report(`the ${kind} query's series ${name} has no finite value`);
          for (const label of shown) if (!metric[label]) report(`the ${kind} query's series ${name} has no "${label}" label, which the panel shows`);
        }
        if (shown.includes("route")) {
          const families = selectedMetrics(target.expr).map((m) => m.replace(/_(bucket|count|sum)$/, ""));
          const expected = new Set(families.flatMap((f) => [...(ctx.routes.get(f) ?? [])]));
          const got = new Set(series.map((s) => s.metric.route ?? ""));
          const missing = [...expected].filter((r) => !got.has(r));
          if (expected.size === 0 || missing.length > 0) report(`the ${kind} query misses routes that had traffic: ${missing.join(", ") || "(none exported)"}`);
        }
      };

      const instant = await ask(ctx.prometheus, "query", { query, time: String(ctx.end) });
      queries++;
      if (instant.status !== "success" || !instant.data) {
        report(`Prometheus rejected it: ${instant.errorType ?? ""} ${instant.error ?? ""}`.trim());
        continue;
      }
      if (instant.data.resultType !== "vector") report(`an instant query should give a vector, not a ${instant.data.resultType}`);
      checkSeries("instant", instant.data.result.map((r) => ({ metric: r.metric, samples: r.value ? [r.value] : [] })));

      if ((panel.type ?? "timeseries") === "timeseries") {
        const range = await ask(ctx.prometheus, "query_range", { query, start: String(ctx.start), end: String(ctx.end), step: "1" });
        queries++;
        if (range.status !== "success" || !range.data) {
          report(`Prometheus rejected the range query: ${range.errorType ?? ""} ${range.error ?? ""}`.trim());
          continue;
        }
        checkSeries("range", range.data.result.map((r) => ({ metric: r.metric, samples: r.values ?? [] })));
      }
    }
  }
  return { problems, queries };
}

/** One request of every kind the app serves: every route, a 400, 404s, a 500 and 503s. */
const traffic: Array<[method: string, path: string, body?: unknown]> = [
  ["GET", "/users"],
  ["POST", "/users", { name: "Grace" }],
  ["POST", "/users", { name: "" }],
  ["GET", "/users/1"],
  ["GET", "/users/999999"],
  ["GET", "/users/not-a-number"],
  ["GET", "/reports/weekly"],
  ["GET", "/flaky"],
  ["GET", "/admin/stats"],
  ["GET", "/admin/maintenance"],
  ["GET", "/admin/audit/entries/7"],
  ["GET", "/live"],
  ["GET", "/ready"],
  ["GET", "/no/such/page"],
];

async function sendTraffic(url: string): Promise<number> {
  for (const [method, p, body] of traffic) {
    const response = await fetch(url + p, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.arrayBuffer();
  }
  return traffic.length;
}

/** Poll `probe` every 250 ms until it returns true; fail with `what` after `limitMs` (generous: this is a bound, not a threshold). */
async function waitFor(what: string, probe: () => Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function scalar(prometheus: string, query: string): Promise<number | undefined> {
  const answer = await ask(prometheus, "query", { query });
  const value = answer.data?.result[0]?.value?.[1];
  return value === undefined ? undefined : Number(value);
}

describe("lab 07's dashboard against a real Prometheus scraping the solution", { skip }, () => {
  let prometheus: ResolvedPrometheus | undefined;
  let server: Server | undefined;
  let removeScratch: (() => Promise<void>) | undefined;
  let dashboard: Dashboard;
  let ctx: CheckContext;
  let startedAt = 0;

  before(async () => {
    dashboard = JSON.parse(await readFile(path.join(ops, "grafana/dashboards/red.json"), "utf8")) as Dashboard;

    // The solved lab: the starter with the solution laid over it, in a scratch folder, as the kit does.
    // scanLabs, not listLabs: a half-written manifest of some other lab must not stop this test.
    const lab = (await scanLabs(root)).labs.find((l) => l.id === "07-observability");
    assert.ok(lab, "labs/07-observability should have a valid lab.json");
    const scratch = await makeScratch("prometheus-dashboard", root);
    removeScratch = scratch.remove;
    const dir = await copyLab(lab, scratch.dir, true);
    const { createApp } = (await import(path.join(dir, "src/app.ts"))) as typeof import("../labs/07-observability/src/app.ts");
    server = createApp({ logStream: { write: () => {} } }).listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server!.once("listening", resolve));
    const appPort = (server.address() as AddressInfo).port;
    const appUrl = `http://127.0.0.1:${appPort}`;

    // The lab's own prometheus.yml, pointed at this app's port and scraping every second.
    const config = parse(await readFile(path.join(ops, "prometheus.yml"), "utf8")) as {
      global?: Record<string, unknown>;
      scrape_configs: Array<{ job_name: string; scrape_interval?: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = config.scrape_configs.find((c) => c.job_name === "workbook-lab");
    assert.ok(job, "ops/prometheus.yml should have the workbook-lab job the dashboard queries");
    config.global = { ...config.global, scrape_interval: "1s", evaluation_interval: "1s" };
    if (job.scrape_interval) job.scrape_interval = "1s";
    job.static_configs = [{ targets: [`127.0.0.1:${appPort}`] }];
    startedAt = Math.floor(Date.now() / 1000);
    prometheus = await resolvePrometheus({ config: stringify(config) });
    const prom = prometheus.url;

    // Two rounds of traffic, each waited for until Prometheus holds exactly what was sent, so every
    // series has at least two scrapes with traffic between them and rate() has something to measure.
    await waitFor("Prometheus's first scrape of the app", async () => (await scalar(prom, 'up{job="workbook-lab"}')) === 1);
    let sent = 0;
    const ingested = () => scalar(prom, 'sum(http_request_duration_ms_count{job="workbook-lab"})');
    sent += await sendTraffic(appUrl);
    await waitFor(`a scrape holding the first ${sent} requests`, async () => (await ingested()) === sent);
    const firstTrafficScrape = Math.floor(Date.now() / 1000);
    sent += await sendTraffic(appUrl);
    await waitFor(`a scrape holding all ${sent} requests`, async () => (await ingested()) === sent);
    const scrapes = await scalar(prom, `count_over_time(up{job="workbook-lab"}[1h])`);
    assert.ok(scrapes !== undefined && scrapes >= 2, `expected at least two scrapes, Prometheus has ${scrapes}`);

    // The route labels the app exports, read from its own /metrics: what by-route panels must show.
    const exposition = await (await fetch(`${appUrl}/metrics`)).text();
    const routes = new Map<string, Set<string>>();
    for (const line of exposition.split("\n")) {
      const m = /^([a-zA-Z_:][\w:]*?)(?:_bucket|_count|_sum)?\{[^}]*\broute="([^"]*)"/.exec(line);
      if (!m) continue;
      if (!routes.has(m[1]!)) routes.set(m[1]!, new Set());
      routes.get(m[1]!)!.add(m[2]!);
    }
    const end = Math.ceil(Date.now() / 1000);
    ctx = { prometheus: prom, window: `${end - startedAt + 60}s`, start: firstTrafficScrape, end, routes };
  });

  after(async () => {
    await prometheus?.stop();
    if (server) {
      server.closeAllConnections();
      server.close();
    }
    await removeScratch?.();
  });

  test("every PromQL expression in the provisioned dashboard parses and returns data for the solution's traffic", async () => {
    const panels = queryPanels(dashboard.panels);
    const expressions = panels.flatMap((p) => p.targets ?? []);
    assert.ok(expressions.length >= 5, `expected rate, error and duration queries; found ${expressions.length}`);
    // The route sets the checker compares against must be real: the error route and a nested mount among them.
    assert.ok(ctx.routes.get("http_errors_total")?.has("/flaky"), "the app should export the /flaky errors");
    assert.ok(ctx.routes.get("http_request_duration_ms")?.has("/admin/audit/entries/:entryId"), "the app should export nested route patterns");
    const { problems, queries } = await checkDashboard(dashboard, ctx);
    // Every panel here is a time series: each expression is run as an instant and as a range query.
    assert.equal(queries, 2 * expressions.length, "every expression should have been run through Prometheus twice");
    assert.deepEqual(problems, [], `dashboard problems:\n${problems.map((p) => `  [${p.panel}] ${p.why}\n    ${p.expr}`).join("\n")}`);
  });

  test("the same checker rejects broken copies: a metric typo, wrong labels, a wrong unit suffix, a parse error, a wrong panel unit", async () => {
    const breakages: Array<{ what: string; panel: string; expect: RegExp; change(panel: Panel): void }> = [
      {
        what: "a typo in a metric name",
        panel: "Error ratio (5xx / all)",
        expect: /^the instant query returned no data$/,
        change: (p) => editExpr(p, "http_errors_total", "http_erors_total"),
      },
      {
        what: "grouping by a label the metric lacks",
        panel: "Requests per second by route",
        expect: /has no "route" label, which the panel shows/,
        change: (p) => editExpr(p, "sum by (route)", "sum by (path)"),
      },
      {
        what: "a matcher on the wrong label",
        panel: "Resident memory",
        expect: /^the instant query returned no data$/,
        change: (p) => editExpr(p, '{job="workbook-lab"}', '{instance="workbook-lab"}'),
      },
      {
        what: "a wrong unit suffix in a metric name",
        panel: "Latency percentiles (all routes)",
        expect: /^the instant query returned no data$/,
        change: (p) => editExpr(p, "http_request_duration_ms_bucket", "http_request_duration_seconds_bucket"),
      },
      {
        what: "an expression that does not parse",
        panel: "CPU (cores used)",
        expect: /^Prometheus rejected it: bad_data/,
        change: (p) => editExpr(p, "[$__rate_interval])", "[$__rate_interval]"),
      },
      {
        what: "a panel unit that does not match the metric's",
        panel: "p95 latency by route",
        expect: /^the panel's unit is seconds but http_request_duration_ms_bucket is in milliseconds$/,
        change: (p) => {
          assert.equal(p.fieldConfig?.defaults?.unit, "ms");
          p.fieldConfig!.defaults!.unit = "s";
        },
      },
    ];
    const rejected: string[] = [];
    for (const breakage of breakages) {
      const broken = structuredClone(dashboard);
      const panel = queryPanels(broken.panels).find((p) => p.title === breakage.panel);
      assert.ok(panel, `the dashboard should have a panel titled "${breakage.panel}"`);
      breakage.change(panel);
      const { problems } = await checkDashboard(broken, ctx);
      assert.ok(
        problems.some((p) => breakage.expect.test(p.why)),
        `the checker should reject ${breakage.what} with ${breakage.expect}; it reported: ${JSON.stringify(problems.map((p) => p.why))}`,
      );
      assert.deepEqual([...new Set(problems.map((p) => p.panel))], [breakage.panel], `only the broken panel should be reported for ${breakage.what}`);
      rejected.push(breakage.what);
    }
    assert.equal(rejected.length, breakages.length);
  });
});

/** Replace `from` with `to` in the panel's expressions; the breakage must actually change something. */
function editExpr(panel: Panel, from: string, to: string): void {
  let changed = 0;
  for (const target of panel.targets ?? []) {
    if (target.expr.includes(from)) {
      target.expr = target.expr.replaceAll(from, to);
      changed++;
    }
  }
  assert.ok(changed > 0, `expected "${from}" in a query of panel "${panel.title}"`);
}
