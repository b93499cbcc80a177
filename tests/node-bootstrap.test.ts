// The README's first commands on a machine whose system Node is older than the workbook needs:
// a fresh clone, /usr/bin/node first on PATH, and the entry kit/bootstrap/node.cjs in between.
// Cold cache (one real download of Node 24 from the npm registry), warm cache, no network, and a
// node that is new enough (nothing fetched).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const systemNode = "/usr/bin/node";
const systemVersion = existsSync(systemNode) ? spawnSync(systemNode, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim() : "";
const [major = 0, minor = 0] = systemVersion.split(".").map(Number);
const systemIsOld = systemVersion !== "" && (major < 22 || (major === 22 && minor < 19));
const fetching = /^Your node is v[\d.]+, older than 22\.19: fetching Node \d+ \(node-[a-z0-9]+-[a-z0-9]+@\d+\) from the npm registry into .+, once\.$/;

type Run = { code: number | null; stdout: string; stderr: string; seconds: number };

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

const linesMatching = (text: string, pattern: RegExp) => text.split("\n").filter((line) => pattern.test(line));

describe("the README's commands with the system Node first on PATH, in a fresh clone", { skip: systemIsOld ? false : `needs an old Node at ${systemNode} (found ${systemVersion || "none"})` }, () => {
  let tmp = "";
  let clone = "";
  let env: NodeJS.ProcessEnv = {};
  const coldCache = () => path.join(tmp, "node-cache-cold", "node24");

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "node-bootstrap-"));
    clone = path.join(tmp, "workbook");
    const cloned = spawnSync("git", ["clone", "--quiet", repo, clone], { encoding: "utf8" });
    assert.equal(cloned.status, 0, cloned.stderr);
    // Only the system node and the usual tools: whatever node runs this test is left out of PATH.
    const rest = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => !existsSync(path.join(dir, "node")) || dir === path.dirname(systemNode));
    env = { ...process.env, PATH: [path.dirname(systemNode), ...rest].join(path.delimiter), WORKBOOK_NODE_CACHE: coldCache() };
    for (const key of Object.keys(env)) if (key.startsWith("npm_") || key === "NODE_OPTIONS" || key === "NODE_TEST_CONTEXT") delete env[key];
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test("npm ci installs without EBADENGINE or install-scripts warnings", async (t) => {
    const ci = await run("npm", ["ci"], clone, env);
    t.diagnostic(`npm ci: ${ci.seconds.toFixed(1)} s`);
    assert.equal(ci.code, 0, ci.stderr);
    const output = ci.stdout + ci.stderr;
    assert.doesNotMatch(output, /EBADENGINE/);
    assert.doesNotMatch(output, /install-scripts/);
    assert.match(output, /added \d+ packages/);
    const review = await run("npm", ["install-scripts", "ls"], clone, env);
    assert.equal(review.code, 0, review.stderr);
    assert.match(review.stdout, /No packages with unreviewed install scripts/);
  });

  test("no network and a cold cache: a one-line error that names .node-version", async () => {
    const cache = path.join(tmp, "node-cache-offline", "node24");
    const offline = { ...env, WORKBOOK_NODE_CACHE: cache, npm_config_registry: "http://127.0.0.1:9", npm_config_cache: path.join(tmp, "npm-cache-offline") };
    const result = await run("npm", ["run", "--silent", "lab", "--", "list"], clone, offline);
    assert.equal(result.code, 1);
    const errors = linesMatching(result.stderr, /^error:/);
    assert.equal(errors.length, 1, result.stderr);
    assert.ok(errors[0]!.includes(`needs Node.js 22.19 or newer (found v${systemVersion})`), errors[0]!);
    assert.match(errors[0]!, /\.node-version/);
    assert.match(errors[0]!, /nvm/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    assert.equal(existsSync(cache), false, "nothing half-fetched is left in the cache");
  });

  test("cold cache: the first command fetches Node 24 once, says so in one line, and runs", async (t) => {
    // A private npm cache too, so this is a real download and not a copy from ~/.npm.
    const cold = { ...env, npm_config_cache: path.join(tmp, "npm-cache-cold") };
    const result = await run("npm", ["run", "--silent", "lab", "--", "list"], clone, cold);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(linesMatching(result.stderr, fetching).length, 1, result.stderr);
    assert.equal(result.stderr.trim().split("\n").length, 1, `one line only:\n${result.stderr}`);
    assert.match(result.stdout, /01 +statelessness/);
    assert.equal(existsSync(path.join(coldCache(), "node_modules", `node-${process.platform}-${process.arch}`, "bin", "node")), true);
    t.diagnostic(`first run, cold cache: ${result.seconds.toFixed(1)} s`);
  });

  test("warm cache: npm run lab, npm test and npm start run on the cached Node and fetch nothing", async (t) => {
    const lab = await run("npm", ["run", "--silent", "lab", "--", "list"], clone, env);
    assert.equal(lab.code, 0, lab.stderr);
    assert.equal(linesMatching(lab.stderr, /fetching/).length, 0, lab.stderr);
    t.diagnostic(`first run, warm cache: ${lab.seconds.toFixed(1)} s`);

    // npm test runs tests/run-all.ts on Node 24, and every npm script it starts gets that Node too.
    // (Its parts are named here: the whole suite would run this very test again.)
    const npmTest = await run("npm", ["test", "--", "lab -- list"], clone, env);
    assert.equal(npmTest.code, 0, npmTest.stdout + npmTest.stderr);
    assert.match(npmTest.stdout, /ok +npm run lab -- list/);
    assert.match(npmTest.stdout, /parts: 1 passed, 0 failed/);
    assert.doesNotMatch(npmTest.stdout + npmTest.stderr, /ERR_UNKNOWN_FILE_EXTENSION|fetching/);

    // npm start builds the site (no dist/ in a fresh clone) and serves it.
    const started = performance.now();
    const server = spawn("npm", ["start"], { cwd: clone, env: { ...env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    try {
      let output = "";
      const url = await new Promise<string>((resolve, reject) => {
        const look = (chunk: Buffer) => {
          output += chunk;
          const found = /http:\/\/localhost:\d+\//.exec(output);
          if (found) resolve(found[0]);
        };
        server.stdout.on("data", look);
        server.stderr.on("data", look);
        server.on("close", (code) => reject(new Error(`npm start exited (${code}) before serving:\n${output}`)));
      });
      t.diagnostic(`npm start, warm cache, from nothing built to serving: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Scalable APIs Workbook/);
      assert.doesNotMatch(output, /fetching|EBADENGINE/);
    } finally {
      const closed = new Promise((resolve) => server.once("close", resolve));
      if (server.exitCode === null) process.kill(-server.pid!, "SIGTERM");
      await closed;
    }
  });

  test("a node that is new enough is used as it is: nothing is fetched", async () => {
    const cache = path.join(tmp, "node-cache-unused", "node24");
    const modern = { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${env.PATH}`, WORKBOOK_NODE_CACHE: cache };
    const result = await run("npm", ["run", "--silent", "lab", "--", "list"], clone, modern);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.equal(existsSync(cache), false);
  });
});
