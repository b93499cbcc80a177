// What a newcomer trips on in the CLI's output: fast-check's own text above the workbook's hint line,
// `lab list` without hint counts and pointing at lab 1 while another is in progress, and a failing hook in
// test/helpers.ts shown as if helpers.ts were a test.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describeError, shortenPropertyFailure } from "../runner/reporter.ts";

const cli = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const repo = fileURLToPath(new URL("../..", import.meta.url));
const nodeBin = process.execPath;

test("a fast-check failure shows the counterexample and the cause, not fast-check's seed, shrink count or hint", () => {
  let thrown: unknown;
  try {
    fc.assert(
      fc.property(fc.integer(), (n) => {
        assert.equal(n + 1, n, "n plus one should equal n");
      }),
    );
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof Error, "the property must fail");
  assert.match(thrown.message, /Hint: Enable verbose mode/, "fast-check's own text, which the learner should not see");
  // node:test hands the reporter the thrown error wrapped, as the cause of its own.
  const shown = describeError(new Error("test failed", { cause: thrown }));
  assert.match(shown, /^Counterexample: \[0\]/);
  assert.match(shown, /n plus one should equal n/);
  assert.doesNotMatch(shown, /Hint:|seed|Shrunk|Property failed after/);
  assert.equal(shortenPropertyFailure("expected 200, got 500"), "expected 200, got 500", "other messages are left alone");
});

async function workbook(labs: string[]): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "kit-list-"));
  for (const lab of labs) {
    await cp(path.join(repo, "labs", lab), path.join(root, "labs", lab), { recursive: true });
    await cp(path.join(repo, "solutions", lab), path.join(root, "solutions", lab), { recursive: true });
  }
  return root;
}

const run = (root: string, args: string[]) => spawnSync(nodeBin, [cli, ...args], { env: { ...process.env, WORKBOOK_ROOT: root, NO_COLOR: "1" }, encoding: "utf8", timeout: 60_000 });

test("lab list shows hints used of available, and points at the lab in progress, not at lab 1", async () => {
  const root = await workbook(["01-statelessness", "05-pagination"]);
  const fresh = run(root, ["list"]).stdout;
  assert.match(fresh, /hints used/);
  assert.match(fresh, /01\s+statelessness\s+.*not started\s+0 of \d+/);
  assert.match(fresh, /Start one with: npm run lab -- test 1\n/);
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString();
  const entry = (passed: number, failed: number, minutes: number, hintsShown: number[]) => ({ lastRun: at(minutes), passed, failed, total: passed + failed, hintsShown, steps: [], firstPassedAt: failed === 0 ? at(minutes) : null, resetAt: null });
  await mkdir(path.join(root, ".workbook"), { recursive: true });
  await writeFile(path.join(root, ".workbook/progress.json"), JSON.stringify({ version: 1, labs: { "01-statelessness": entry(9, 0, 1, [2]), "05-pagination": entry(2, 5, 2, [1, 1]) } }));
  const listed = run(root, ["list"]);
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /05\s+pagination\s+.*failing \(2 of 7 passing\)\s+2 of \d+/);
  assert.match(listed.stdout, /01\s+statelessness\s+.*passing \(9 of 9\)\s+2 of \d+/);
  assert.match(listed.stdout, /Carry on with: npm run lab -- test 5\n/);
  assert.doesNotMatch(listed.stdout, /test 1\n/);
});

test("a failing hook in test/helpers.ts is named as a hook, not counted under the name of a test file", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "kit-hook-"));
  await mkdir(path.join(dir, "test"));
  await writeFile(path.join(dir, "test/helpers.ts"), 'import { after } from "node:test";\nafter(() => { throw new Error("cleanup broke"); });\nexport const one = 1;\n');
  await writeFile(path.join(dir, "test/a.test.ts"), 'import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { one } from "./helpers.ts";\ntest("one is one", () => assert.equal(one, 1));\n');
  const reporter = fileURLToPath(new URL("../runner/reporter.ts", import.meta.url));
  const { NODE_TEST_CONTEXT: _inherited, ...env } = process.env;
  const out = spawnSync(nodeBin, ["--test", `--test-reporter=${reporter}`, "test/a.test.ts"], { cwd: dir, env, encoding: "utf8", timeout: 60_000 }).stdout;
  const events = out.trim().split("\n").map((line) => JSON.parse(line) as { kind: string; name: string; error?: string });
  assert.deepEqual(events.filter((e) => e.kind === "pass").map((e) => e.name), ["one is one"]);
  const failed = events.filter((e) => e.kind === "fail");
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.name, "a before/after hook in test/helpers.ts failed (not a test)");
  assert.match(failed[0]!.error ?? "", /cleanup broke/);
});

test("the root README says which port a lab app listens on (PORT, 3000 by default) and what lab start does with it", async () => {
  const { readFile } = await import("node:fs/promises");
  const readme = await readFile(path.join(repo, "README.md"), "utf8");
  assert.match(readme, /`PORT` \(3000 when unset\)/);
  assert.match(readme, /`lab start` gives it 3000, or a free port\s+when 3000 is taken/);
});
