import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { getFreePort } from "../services/ports.ts";

const cli = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const repo = fileURLToPath(new URL("../..", import.meta.url));

/** A workbook tree with copies of lab 01 and its solution, so the CLI can be driven without touching the real one. */
async function workbook(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "kit-cli-"));
  await cp(path.join(repo, "labs/01-statelessness"), path.join(root, "labs/01-statelessness"), { recursive: true });
  await cp(path.join(repo, "solutions/01-statelessness"), path.join(root, "solutions/01-statelessness"), { recursive: true });
  return root;
}

function lab(root: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, WORKBOOK_ROOT: root, NO_COLOR: "1", ...env }, encoding: "utf8", timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("the lab CLI", () => {
  test("an unknown lab gets a one-line error, the valid choices and exit code 2", async () => {
    const run = lab(await workbook(), ["test", "99"]);
    assert.equal(run.code, 2);
    assert.match(run.err, /Unknown lab "99"\. Choose one of: 1 \(01-statelessness\)/);
  });

  test("an unknown command gets the list of commands and exit code 2", async () => {
    const run = lab(await workbook(), ["tset", "1"]);
    assert.equal(run.code, 2);
    assert.match(run.err, /Unknown command "tset"\. Commands: list, test, watch, hint, reset, solution, bench, check/);
    assert.equal(lab(await workbook(), ["list", "--bogus"]).code, 2, "an unknown option is a usage error too");
  });

  test("list shows each lab's state from the progress file", async () => {
    const root = await workbook();
    assert.match(lab(root, ["list"]).out, /01\s+statelessness\s+Sessions that survive a load balancer\s+not started/);
    await mkdir(path.join(root, ".workbook"), { recursive: true });
    const entry = { lastRun: "2026-01-01T00:00:00.000Z", passed: 3, failed: 6, total: 9, hintsShown: 0, firstPassedAt: null };
    await writeFile(path.join(root, ".workbook/progress.json"), JSON.stringify({ version: 1, labs: { "01-statelessness": entry } }));
    assert.match(lab(root, ["list"]).out, /failing \(3 of 9 passing\)/);
  });

  test("a malformed progress file is set aside with a warning and nothing is lost", async () => {
    const root = await workbook();
    await mkdir(path.join(root, ".workbook"), { recursive: true });
    await writeFile(path.join(root, ".workbook/progress.json"), "{ this is not json");
    const run = lab(root, ["hint", "1"]);
    assert.equal(run.code, 0);
    assert.match(run.err, /progress file was malformed.*kept as \.workbook\/progress\.json\.broken-/);
    assert.match(run.out, /Hint 1 of 5/);
    const files = await readdir(path.join(root, ".workbook"));
    const aside = files.find((f) => f.startsWith("progress.json.broken-"));
    assert.ok(aside, `the broken file must be kept; found ${files.join(", ")}`);
    assert.equal(await readFile(path.join(root, ".workbook", aside), "utf8"), "{ this is not json");
    assert.equal(JSON.parse(await readFile(path.join(root, ".workbook/progress.json"), "utf8")).labs["01-statelessness"].hintsShown, 1);
  });

  test("hints are revealed one at a time and remembered; --all shows every one", async () => {
    const root = await workbook();
    assert.match(lab(root, ["hint", "statelessness"]).out, /Hint 1 of 5/);
    const second = lab(root, ["hint", "01"]).out;
    assert.match(second, /Hint 2 of 5/);
    assert.doesNotMatch(second, /Hint 1 of 5/);
    const all = lab(root, ["hint", "1", "--all"]).out;
    for (let i = 1; i <= 5; i++) assert.match(all, new RegExp(`Hint ${i} of 5`));
  });

  test("a malformed manifest names the lab, the field and what is wrong", async () => {
    const root = await workbook();
    const file = path.join(root, "labs/01-statelessness/lab.json");
    const manifest = JSON.parse(await readFile(file, "utf8"));
    await writeFile(file, JSON.stringify({ ...manifest, hints: ["only one"] }));
    const run = lab(root, ["test", "1"]);
    assert.equal(run.code, 1);
    assert.match(run.err, /labs\/01-statelessness\/lab\.json is not valid:\n\s+- field "hints": must have at least three hints/);
  });

  test("no reachable Redis gets the error naming all three ways to get one", async () => {
    const closed = await getFreePort();
    // Hide redis-server from PATH and probe a closed port instead of the compose default.
    const run = lab(await workbook(), ["test", "1"], { PATH: path.dirname(process.execPath), WORKBOOK_COMPOSE_REDIS_URL: `redis://127.0.0.1:${closed}` });
    assert.equal(run.code, 1, run.err);
    assert.match(run.err, /No Redis is reachable/);
    assert.match(run.err, /REDIS_URL/);
    assert.match(run.err, /docker compose up -d redis/);
    assert.match(run.err, /redis-server/);
  });

  test("solution stays hidden until the lab passes, unless --force", async () => {
    const root = await workbook();
    const hidden = lab(root, ["solution", "1"]);
    assert.equal(hidden.code, 2);
    assert.match(hidden.err, /has not passed yet/);
    const shown = lab(root, ["solution", "1", "--force"]);
    assert.equal(shown.code, 0);
    assert.match(shown.out, /\+\s*return randomBytes\(32\)\.toString\("base64url"\);/);
  });
});
