import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { describeMissing, needsOf, preflight } from "./preflight.ts";

const runAll = fileURLToPath(new URL("./run-all.ts", import.meta.url));
const allParts = ["typecheck", "test:kit", "test:project", "test:site", "lab -- check"];
const labServices = ["redis", "mongo", "mongo-replset", "haproxy", "varnish"] as const;

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A bin folder with a stand-in executable for each name (the preflight only looks; it never runs them). */
async function binDir(names: readonly string[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "preflight-bin-"));
  dirs.push(dir);
  for (const name of names) {
    await writeFile(path.join(dir, name), "#!/bin/sh\nexit 0\n");
    await chmod(path.join(dir, name), 0o755);
  }
  return dir;
}

const noRedis = async () => false;

describe("npm test's preflight", () => {
  test("with everything on PATH and Chromium where CHROMIUM_PATH says, nothing is missing", async () => {
    const bin = await binDir(["redis-server", "haproxy", "varnishd", "prometheus", "initdb", "postgres", "pgbouncer", "chromium"]);
    const missing = await preflight(allParts, { env: { PATH: bin, CHROMIUM_PATH: path.join(bin, "chromium") }, sbinDirs: [], postgresDirs: [], redisAnswers: noRedis, labServices: [...labServices] });
    assert.deepEqual(missing, []);
  });

  test("a PATH without haproxy: haproxy alone is missing, with the parts that need it and one install command", async () => {
    const bin = await binDir(["redis-server", "varnishd", "prometheus", "initdb", "postgres", "pgbouncer", "chromium"]);
    const missing = await preflight(allParts, { env: { PATH: bin, CHROMIUM_PATH: path.join(bin, "chromium") }, sbinDirs: [], postgresDirs: [], redisAnswers: noRedis, labServices: [...labServices] });
    assert.deepEqual(missing.map((m) => m.program), ["haproxy"]);
    assert.match(missing[0]!.looked, /"haproxy" is not on PATH/);
    const text = describeMissing(missing, false).join("\n");
    assert.match(text, /haproxy.*\n.*needed by kit\/test\/haproxy\.test\.ts \(test:kit\); lab 09's tests/);
    assert.match(text, /Debian: +sudo apt-get install haproxy$/m);
    assert.match(text, /macOS \(Homebrew\): +brew install haproxy$/m);
    assert.doesNotMatch(text, /docker compose/, "compose's HAProxy cannot take a test's own config");
  });

  test("the kit's way to find HAProxy is honoured: HAPROXY_BIN, then PATH, then /usr/sbin and /usr/local/sbin", async () => {
    const sbin = await binDir(["haproxy"]);
    const empty = await binDir([]);
    const only = { sbinDirs: [sbin], redisAnswers: noRedis, labServices: ["haproxy"] as const };
    assert.deepEqual(await preflight(["lab -- check"], { ...only, env: { PATH: empty } }), [], "found in an sbin folder though PATH lacks it");
    const wrongBin = await preflight(["lab -- check"], { ...only, env: { PATH: empty, HAPROXY_BIN: "/no/such/haproxy" } });
    assert.equal(wrongBin[0]?.looked, "HAPROXY_BIN=/no/such/haproxy is not an executable file");
  });

  test("a Redis from REDIS_URL or compose serves lab check, but the kit's tests need redis-server itself", async () => {
    const bin = await binDir([]);
    const options = { sbinDirs: [], postgresDirs: [], labServices: ["redis"] as const };
    assert.deepEqual(await preflight(["lab -- check"], { ...options, env: { PATH: bin, REDIS_URL: "redis://10.0.0.5:6379" }, redisAnswers: noRedis }), []);
    let probed = "";
    const compose = await preflight(["lab -- check"], { ...options, env: { PATH: bin, WORKBOOK_COMPOSE_REDIS_URL: "redis://127.0.0.1:6390" }, redisAnswers: async (url) => ((probed = url), true) });
    assert.deepEqual(compose, []);
    assert.equal(probed, "redis://127.0.0.1:6390", "compose's Redis is looked for where the kit looks");
    const none = await preflight(["lab -- check"], { ...options, env: { PATH: bin }, redisAnswers: noRedis });
    assert.equal(none[0]?.program, "redis-server");
    assert.ok(none[0]?.composeServes);
    assert.match(describeMissing(none, false).join("\n"), /docker compose up -d redis/);
    const kit = await preflight(["test:kit", "lab -- check"], { ...options, env: { PATH: bin, REDIS_URL: "redis://10.0.0.5:6379" }, redisAnswers: async () => true });
    assert.deepEqual(kit.map((m) => m.program), ["redis-server", "haproxy", "varnishd", "prometheus", "postgres", "pgbouncer"]);
    assert.match(describeMissing(kit, false).join("\n"), /apt-get install redis-server haproxy varnish prometheus postgresql pgbouncer$/m);
    assert.equal(kit[0]!.composeServes, false);
    assert.doesNotMatch(describeMissing(kit, false).join("\n"), /docker compose/);
  });

  test("Chromium: CHROMIUM_PATH or /usr/bin/chromium, as the site tests look; Homebrew's is a cask", async () => {
    const bin = await binDir([]);
    const missing = await preflight(["test:site"], { env: { PATH: bin, CHROMIUM_PATH: path.join(bin, "chromium") }, sbinDirs: [], redisAnswers: noRedis, labServices: [] });
    assert.equal(missing[0]?.program, "chromium");
    const text = describeMissing(missing, true).join("\n");
    assert.match(text, /Debian: +apt-get install chromium$/m, "no sudo for root");
    assert.match(text, /brew install --cask chromium/);
    assert.match(text, /CHROMIUM_PATH=\/Applications\/Chromium\.app\/Contents\/MacOS\/Chromium/);
  });

  test("a part that needs nothing (typecheck, or a script the list does not know) asks for nothing", () => {
    assert.deepEqual(needsOf("typecheck", [...labServices]), []);
    assert.deepEqual(needsOf("first", [...labServices]), []);
    assert.deepEqual(needsOf("lab -- leaks", [...labServices]), []);
    assert.deepEqual(needsOf("lab -- check", ["mongo"]).map((n) => n.program), [], "MongoDB always has the kit's stand-in");
  });

  test("npm test with haproxy missing exits within seconds, lists it with the install command, and runs no part", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "run-all-preflight-"));
    dirs.push(dir);
    const bin = await binDir(["redis-server", "varnishd", "prometheus", "initdb", "postgres", "pgbouncer", "chromium"]);
    const mark = (name: string) => `node -e "require('node:fs').writeFileSync('${name}-ran', '')"`;
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "f", private: true, scripts: { typecheck: mark("typecheck"), "test:kit": mark("kit"), lab: mark("lab") } }));
    const started = performance.now();
    const result = spawnSync(process.execPath, [runAll, "typecheck", "test:kit", "lab -- check"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 30_000,
      // PATH lacks haproxy; HAPROXY_BIN pins the kit's search to one file that is not there, so the haproxy in
      // this machine's /usr/sbin (where the kit would look next) is not found either.
      env: { PATH: bin, HOME: os.homedir(), HAPROXY_BIN: path.join(bin, "haproxy"), CHROMIUM_PATH: path.join(bin, "chromium"), WORKBOOK_COMPOSE_REDIS_URL: "redis://127.0.0.1:1" },
    });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.ok(seconds < 10, `the preflight should fail fast; it took ${seconds.toFixed(1)} s`);
    assert.match(result.stdout, /^npm test needs what this machine lacks, so nothing has run:$/m);
    assert.match(result.stdout, /^ {2}haproxy {2}HAPROXY_BIN=.* is not an executable file$/m);
    assert.match(result.stdout, /apt-get install haproxy$/m);
    assert.match(result.stdout, /brew install haproxy$/m);
    assert.doesNotMatch(result.stdout, /redis-server|varnishd|prometheus|chromium {2}/, "only what is missing is listed");
    assert.doesNotMatch(result.stdout, /==> npm run/);
    for (const part of ["typecheck", "kit", "lab"]) assert.ok(!existsSync(path.join(dir, `${part}-ran`)), `${part} must not have run`);
  });
});
