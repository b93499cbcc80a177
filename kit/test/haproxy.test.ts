import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { findHaproxy, haproxyForLab, HaproxyConfigError, haproxyExtraDirs, NoHaproxyError, readHaproxyStats, resolveHaproxy } from "../services/haproxy.ts";
import { resolveServices } from "../services/index.ts";

// The tests that start one need a haproxy binary; CI installs Debian's (.ci/run), so there it must be found.
const installed = await findHaproxy(process.env);
const noBinary = installed === undefined && !process.env.CI ? "no haproxy binary on PATH, in /usr/sbin, /usr/local/sbin or HAPROXY_BIN (CI installs one)" : false;
const emptyDir = await mkdtemp(path.join(tmpdir(), "no-haproxy-"));
/** A machine without HAProxy: nothing on PATH, nothing in the usual sbin directories. */
const bare = { env: { PATH: emptyDir }, extraDirs: [] as string[], composeStatsUrl: "http://127.0.0.1:9/stats" };

/** A stand-in for compose's HAProxy stats page: the CSV header HAProxy starts its export with. */
async function fakeStatsPage(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === "/stats;csv") res.end("# pxname,svname,status\nweb,FRONTEND,OPEN\n");
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/stats`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("HAProxy resolution", () => {
  test("1. HAPROXY_URL wins when no config of its own is needed", async () => {
    const resolved = await resolveHaproxy({ ...bare, env: { ...bare.env, HAPROXY_URL: "http://haproxy.invalid:8080/", HAPROXY_STATS_URL: "http://haproxy.invalid:8404/stats" } });
    assert.equal(resolved.url, "http://haproxy.invalid:8080");
    assert.equal(resolved.statsUrl, "http://haproxy.invalid:8404/stats");
    assert.equal(resolved.started, false);
    assert.match(resolved.backend, /HAPROXY_URL/);
  });

  test("2. compose's HAProxy is used when its stats page answers, and ignored when it does not", async () => {
    const stats = await fakeStatsPage();
    try {
      const resolved = await resolveHaproxy({ ...bare, composeStatsUrl: stats.url, composeUrl: "http://127.0.0.1:8080" });
      assert.equal(resolved.started, false);
      assert.equal(resolved.statsUrl, stats.url);
      assert.match(resolved.backend, /docker compose/);
      const forLab = await haproxyForLab(bare.env, { extraDirs: [], composeStatsUrl: stats.url });
      assert.equal(forLab.env.HAPROXY_URL, "http://127.0.0.1:8080", "without a binary, lab start can still use compose's HAProxy");
      assert.match(forLab.backend, /tests cannot/);
    } finally {
      await stats.close();
    }
    await assert.rejects(resolveHaproxy(bare), NoHaproxyError, "a stats page that does not answer is not a HAProxy");
  });

  test("3. the binary on PATH, or in /usr/sbin when PATH lacks it, is started with the config on free loopback ports; stop() ends it", { skip: noBinary }, async () => {
    const sbin = haproxyExtraDirs.find((dir) => existsSync(path.join(dir, "haproxy")));
    if (sbin) assert.equal(await findHaproxy({ PATH: emptyDir }), path.join(sbin, "haproxy"), `haproxy in ${sbin} should be found though PATH lacks it`);
    const config = [
      "defaults",
      "  mode http",
      "  timeout connect 1s",
      "  timeout client 5s",
      "  timeout server 5s",
      "frontend web",
      '  bind "${LB_BIND}"',
      '  http-request return status 200 content-type text/plain string "${GREETING}"',
      "listen stats",
      '  bind "${STATS_BIND}"',
      "  stats enable",
      "  stats uri /stats",
      "",
    ].join("\n");
    // HAPROXY_URL is set, but a run with its own config cannot use that HAProxy.
    const resolved = await resolveHaproxy({ env: { ...process.env, HAPROXY_URL: "http://haproxy.invalid:8080" }, config, vars: { GREETING: "hello from a private haproxy" } });
    let stopped = false;
    try {
      assert.equal(resolved.started, true);
      assert.match(resolved.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(resolved.backend, /private HAProxy/);
      assert.equal(await (await fetch(resolved.url)).text(), "hello from a private haproxy", "the config's variables should be filled");
      const rows = await readHaproxyStats(resolved.statsUrl!);
      assert.ok(rows.some((row) => row.pxname === "web" && row.svname === "FRONTEND" && row.status === "OPEN"), `the stats CSV should list the frontend; got ${JSON.stringify(rows)}`);
      await resolved.stop();
      stopped = true;
      await assert.rejects(fetch(resolved.url), "stop() should shut the private HAProxy down");
    } finally {
      if (!stopped) await resolved.stop();
    }
  });

  test("a config HAProxy rejects is reported in HAProxy's own words", { skip: noBinary }, async () => {
    await assert.rejects(resolveHaproxy({ config: "frontend web\n  bind \"${LB_BIND}\"\n  balance no-such-algorithm\n" }), (error: Error) => {
      assert.ok(error instanceof HaproxyConfigError, `expected a HaproxyConfigError, got ${error.name}`);
      assert.match(error.message, /rejected the config/);
      assert.match(error.message, /no-such-algorithm/);
      return true;
    });
  });

  test("4. without any HAProxy, a clear error names the three ways and the packages", async () => {
    await assert.rejects(resolveHaproxy(bare), (error: Error) => {
      assert.ok(error instanceof NoHaproxyError);
      assert.match(error.message, /"haproxy" is neither on PATH/);
      assert.match(error.message, /apt install haproxy/);
      assert.match(error.message, /brew install haproxy/);
      assert.match(error.message, /docker compose --profile edge up -d haproxy/);
      return true;
    });
    await assert.rejects(resolveHaproxy({ ...bare, env: { ...bare.env, HAPROXY_BIN: "/no/such/haproxy" } }), /HAPROXY_BIN=\/no\/such\/haproxy is not an executable file/);
    await assert.rejects(resolveHaproxy({ ...bare, env: { ...bare.env, HAPROXY_URL: "http://127.0.0.1:9" }, config: "global\n" }), /needs its own haproxy.cfg, which a HAProxy from HAPROXY_URL or compose cannot take/);
    await assert.rejects(haproxyForLab(bare.env, { extraDirs: [], composeStatsUrl: bare.composeStatsUrl }), NoHaproxyError);
  });

  test("a lab that needs HAProxy gets HAPROXY_BIN; a lab that does not never looks for it", { skip: noBinary }, async () => {
    const forLab = await haproxyForLab(process.env);
    assert.equal(forLab.env.HAPROXY_BIN, installed);
    // No binary anywhere and no compose: a lab without "haproxy" in its services still resolves.
    const services = await resolveServices([], { ...bare.env, HAPROXY_BIN: "/no/such/haproxy" });
    assert.equal(services.env.HAPROXY_BIN, undefined);
    await services.stop();
  });
});
