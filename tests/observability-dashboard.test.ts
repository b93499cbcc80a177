import assert from "node:assert/strict";
import { cp, mkdir, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { DEFAULT_PORT } from "../labs/07-observability/src/config.ts";

// The Grafana dashboard and the Prometheus config of lab 07 live in labs/07-observability/ops.
// Their queries must use the metric names the SOLUTION exports, or the dashboard shows nothing.
const root = fileURLToPath(new URL("..", import.meta.url));
const ops = path.join(root, "labs/07-observability/ops");

interface Dashboard {
  panels: Array<{ title: string; targets?: Array<{ expr: string }>; panels?: Dashboard["panels"] }>;
}

const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

/** The metric names a PromQL expression selects (functions, labels, keywords and durations left out). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ") // label values
    .replace(/\{[^}]*\}/g, " ") // label matchers
    .replace(/\[[^\]]*\]/g, " ") // range selectors, [$__rate_interval]
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " "); // label lists
  const names = [...bare.matchAll(/([a-zA-Z_:][\w:]*)\s*(\()?/g)]
    .filter((m) => m[2] === undefined && !PROMQL_WORDS.has(m[1]!.toLowerCase()))
    .map((m) => m[1]!);
  return [...new Set(names)];
}

function allExpressions(panels: Dashboard["panels"]): Array<{ panel: string; expr: string }> {
  return panels.flatMap((p) => [...(p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })), ...allExpressions(p.panels ?? [])]);
}

describe("lab 07 dashboard and Prometheus config", () => {
  let exported = new Set<string>();
  let scratch = "";

  // Build the solved lab (starter files overlaid with the solution), start it in this process,
  // send a little traffic of every kind, and collect the metric names /metrics exposes.
  before(async () => {
    scratch = path.join(root, ".workbook/scratch", `dashboard-${process.pid}-${Date.now()}`);
    await mkdir(scratch, { recursive: true });
    await cp(path.join(root, "labs/07-observability"), path.join(scratch, "07-observability"), { recursive: true });
    await cp(path.join(root, "solutions/07-observability"), path.join(scratch, "07-observability"), { recursive: true });
    const { createApp } = (await import(path.join(scratch, "07-observability/src/app.ts"))) as typeof import("../labs/07-observability/src/app.ts");
    const server = createApp({ logStream: { write: () => {} } }).listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const p of ["/users/1", "/users/999", "/flaky", "/nowhere"]) await (await fetch(url + p)).arrayBuffer();
      const text = await (await fetch(`${url}/metrics`)).text();
      exported = new Set(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => /^[a-zA-Z_:][\w:]*/.exec(l)?.[0] ?? ""));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  test("the metric-name extractor understands the queries it is given", () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_ms_bucket{job="x",route=~"/users.*"}[$__rate_interval])))'),
      ["http_request_duration_ms_bucket"],
    );
    assert.deepEqual(metricNames("sum(rate(a_total[1m])) / sum(rate(b_count[1m]))"), ["a_total", "b_count"]);
  });

  test("every metric the RED dashboard queries is exported by the solution's /metrics", async () => {
    const dashboard = JSON.parse(await readFile(path.join(ops, "grafana/dashboards/red.json"), "utf8")) as Dashboard;
    const expressions = allExpressions(dashboard.panels);
    assert.ok(expressions.length >= 5, `expected the dashboard to have queries for rate, errors and durations; found ${expressions.length}`);
    const used = new Set(expressions.flatMap(({ expr }) => metricNames(expr)));
    for (const needed of ["http_request_duration_ms_count", "http_request_duration_ms_bucket", "http_errors_total"]) {
      assert.ok(used.has(needed), `expected the RED dashboard to query ${needed}`);
    }
    const missing = expressions.flatMap(({ panel, expr }) => metricNames(expr).filter((n) => !exported.has(n)).map((n) => `${n} (panel "${panel}")`));
    assert.deepEqual(missing, [], `the dashboard queries metrics the solution does not export: ${missing.join(", ")}`);
    assert.ok(
      expressions.some(({ expr }) => /histogram_quantile\(\s*0\.99\b/.test(expr)) && expressions.some(({ expr }) => /histogram_quantile\(\s*0\.5\b/.test(expr)),
      "expected p50 and p99 panels computed with histogram_quantile",
    );
  });

  test("Prometheus scrapes the lab's default port, every 5 s, as job workbook-lab", async () => {
    const config = parse(await readFile(path.join(ops, "prometheus.yml"), "utf8")) as {
      global?: { scrape_interval?: string };
      scrape_configs: Array<{ job_name: string; scrape_interval?: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = config.scrape_configs.find((c) => c.job_name === "workbook-lab");
    assert.ok(job, "expected a scrape config with job_name workbook-lab");
    assert.equal(job.scrape_interval ?? config.global?.scrape_interval, "5s");
    const targets = job.static_configs.flatMap((s) => s.targets);
    assert.deepEqual(targets, [`host.docker.internal:${DEFAULT_PORT}`], `expected Prometheus to scrape the lab app's default port ${DEFAULT_PORT}`);
  });

  test("Grafana is provisioned with the Prometheus data source the dashboard uses", async () => {
    const datasources = parse(await readFile(path.join(ops, "grafana/provisioning/datasources/prometheus.yml"), "utf8")) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    assert.deepEqual(
      datasources.datasources.map(({ uid, type, url }) => ({ uid, type, url })),
      [{ uid: "prometheus", type: "prometheus", url: "http://prometheus:9090" }],
    );
    const dashboard = await readFile(path.join(ops, "grafana/dashboards/red.json"), "utf8");
    const uids = new Set([...dashboard.matchAll(/"uid":\s*"([^"]+)"/g)].map((m) => m[1]));
    uids.delete("workbook-red"); // the dashboard's own uid
    assert.deepEqual([...uids], ["prometheus"], "every panel should use the provisioned data source uid");
    const providers = parse(await readFile(path.join(ops, "grafana/provisioning/dashboards/dashboards.yml"), "utf8")) as {
      providers: Array<{ type: string; options: { path: string } }>;
    };
    assert.equal(providers.providers[0]?.options.path, "/var/lib/grafana/dashboards");
  });
});
