import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";

const cli = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const repo = fileURLToPath(new URL("../..", import.meta.url));
const made: string[] = [];
after(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

/**
 * A workbook tree with lab 01 inside the repository's scratch area, so its tests can still resolve
 * node_modules and "#kit/..." imports while the CLI works on the copy (WORKBOOK_ROOT).
 */
async function workbook(): Promise<string> {
  const root = path.join(repo, ".workbook", "scratch", `kit-test-${process.pid}-${made.length}`);
  made.push(root);
  await cp(path.join(repo, "labs/01-statelessness"), path.join(root, "labs/01-statelessness"), { recursive: true });
  await cp(path.join(repo, "solutions/01-statelessness"), path.join(root, "solutions/01-statelessness"), { recursive: true });
  return root;
}

function lab(root: string, args: string[]) {
  const run = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, WORKBOOK_ROOT: root, NO_COLOR: "1" }, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe("the contract check", () => {
  test("passes on an honest lab: the starter fails, the solution passes", async () => {
    const run = lab(await workbook(), ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /starter fails\s+ok/);
    assert.match(run.out, /solution passes\s+ok/);
    assert.match(run.out, /check: 1 passed, 0 failed/);
  });

  test("fails when a solution file is removed", async () => {
    const root = await workbook();
    await rm(path.join(root, "solutions/01-statelessness/src/store.ts"));
    const run = lab(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /solution files\s+BREACH\s+missing: src\/store\.ts/);
  });

  test("fails when the starter already passes (the starter replaced by its solution)", async () => {
    const root = await workbook();
    await cp(path.join(root, "solutions/01-statelessness/src/store.ts"), path.join(root, "labs/01-statelessness/src/store.ts"));
    const run = lab(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /starter fails\s+BREACH\s+all \d+ tests pass on the starter/);
  });

  test("fails on a stray solution file, a missing README section or a starter without TODO markers", async () => {
    const root = await workbook();
    await writeFile(path.join(root, "solutions/01-statelessness/src/extra.ts"), "export {};\n");
    const readme = path.join(root, "labs/01-statelessness/README.md");
    await writeFile(readme, (await readFile(readme, "utf8")).replace("## Measure it", "## Measuring"));
    const store = path.join(root, "labs/01-statelessness/src/store.ts");
    await writeFile(store, (await readFile(store, "utf8")).replace(/TODO\((\d)\)/g, "NOTE($1)"));
    const run = lab(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /solution files\s+BREACH\s+stray \(not in lab\.json files\): src\/extra\.ts/);
    assert.match(run.out, /README sections\s+BREACH\s+missing section\(s\): Measure it/);
    assert.match(run.out, /TODO markers\s+BREACH/);
  });
});

describe("reset", () => {
  test("puts the starter back from git, after saving the learner's file to .workbook/backups/", async () => {
    const root = await workbook();
    execFileSync("git", ["init", "-q"], { cwd: root });
    execFileSync("git", ["add", "."], { cwd: root });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "starter"], { cwd: root });
    const store = path.join(root, "labs/01-statelessness/src/store.ts");
    const starter = await readFile(store, "utf8");
    await writeFile(store, "// my work in progress\n");

    const refused = lab(root, ["reset", "1"]);
    assert.equal(refused.code, 2, "without a terminal and without --yes, reset must refuse");
    assert.equal(await readFile(store, "utf8"), "// my work in progress\n", "a refused reset changes nothing");

    const run = lab(root, ["reset", "1", "--yes"]);
    assert.equal(run.code, 0, run.err);
    assert.equal(await readFile(store, "utf8"), starter);
    const backups = path.join(root, ".workbook/backups/01-statelessness");
    const [stamp] = await readdir(backups);
    assert.equal(await readFile(path.join(backups, stamp!, "src/store.ts"), "utf8"), "// my work in progress\n");
    await mkdir(path.dirname(store), { recursive: true });
  });
});
