import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { NoPrometheusError, PrometheusConfigError, prometheusReady, resolvePrometheus } from "../services/index.ts";
import { findExecutable } from "../services/binaries.ts";

// The tests that start one need a prometheus binary; CI installs it (.ci/run), so there it must be found.
const installed = await findExecutable(process.env.PROMETHEUS_BIN || "prometheus");
const noBinary = installed === undefined && !process.env.CI ? "no prometheus binary on PATH or in PROMETHEUS_BIN (CI installs one)" : false;

describe("Prometheus resolution", () => {
  test("PROMETHEUS_URL wins when no config of its own is needed", async () => {
    const resolved = await resolvePrometheus({ env: { PROMETHEUS_URL: "http://prometheus.invalid:9090/", PATH: "" } });
    assert.equal(resolved.url, "http://prometheus.invalid:9090");
    assert.equal(resolved.started, false);
    assert.match(resolved.backend, /PROMETHEUS_URL/);
  });

  test("without a binary on PATH, a clear error names the three ways to get one", async () => {
    const emptyDir = await mkdtemp(path.join(tmpdir(), "no-prometheus-"));
    await assert.rejects(resolvePrometheus({ env: { PATH: emptyDir } }), (error: Error) => {
      assert.ok(error instanceof NoPrometheusError);
      assert.match(error.message, /"prometheus" is not on PATH/);
      assert.match(error.message, /apt install prometheus/);
      assert.match(error.message, /brew install prometheus/);
      assert.match(error.message, /docker compose --profile observability up -d prometheus/);
      return true;
    });
  });

  test("a config that needs its own targets does not settle for PROMETHEUS_URL, and a bad PROMETHEUS_BIN is named", async () => {
    await assert.rejects(
      resolvePrometheus({ env: { PROMETHEUS_URL: "http://127.0.0.1:9", PROMETHEUS_BIN: "/no/such/prometheus", PATH: "" }, config: "scrape_configs: []\n" }),
      (error: Error) => {
        assert.ok(error instanceof NoPrometheusError);
        assert.match(error.message, /PROMETHEUS_URL is set but cannot scrape/);
        assert.match(error.message, /PROMETHEUS_BIN=\/no\/such\/prometheus is not an executable file/);
        return true;
      },
    );
  });

  test("the binary on PATH is started on a free loopback port, answers queries, and stop() ends it", { skip: noBinary }, async () => {
    const resolved = await resolvePrometheus({ env: { PATH: process.env.PATH, PROMETHEUS_BIN: process.env.PROMETHEUS_BIN } });
    let stopped = false;
    try {
      assert.equal(resolved.started, true);
      assert.match(resolved.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(resolved.backend, /private prometheus/);
      assert.ok(await prometheusReady(resolved.url), "the private Prometheus should report ready");
      const response = await fetch(`${resolved.url}/api/v1/query?query=${encodeURIComponent("vector(42)")}`);
      const body = (await response.json()) as { status: string; data: { result: Array<{ value: [number, string] }> } };
      assert.equal(body.status, "success");
      assert.equal(body.data.result[0]?.value[1], "42");
      await resolved.stop();
      stopped = true;
      assert.equal(await prometheusReady(resolved.url), false, "stop() should shut the private Prometheus down");
    } finally {
      if (!stopped) await resolved.stop();
    }
  });

  test("a config Prometheus rejects is reported with the end of its log", { skip: noBinary }, async () => {
    await assert.rejects(resolvePrometheus({ env: { PATH: process.env.PATH, PROMETHEUS_BIN: process.env.PROMETHEUS_BIN }, config: "scrape_configs: [[[\n" }), (error: Error) => {
      // The exit ends the wait at once, and the message carries Prometheus's own complaint, not the ways to install it.
      assert.ok(error instanceof PrometheusConfigError, `expected a PrometheusConfigError, got ${error.name}: ${error.message}`);
      assert.match(error.message, /exited before it answered: it rejected the config or its flags\. Its log ends with:\n.*Error loading config/);
      assert.doesNotMatch(error.message, /three ways/);
      return true;
    });
  });
});
