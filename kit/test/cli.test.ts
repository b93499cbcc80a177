import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { makeScratch } from "../scratch.ts";
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
    assert.match(run.err, /Unknown command "tset"\. Commands: list, .*\btest, .*\bhint, reset/);
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
    assert.match(run.out, /Step 1 of \d+: .* · hint 1 of \d+/);
    const files = await readdir(path.join(root, ".workbook"));
    const aside = files.find((f) => f.startsWith("progress.json.broken-"));
    assert.ok(aside, `the broken file must be kept; found ${files.join(", ")}`);
    assert.equal(await readFile(path.join(root, ".workbook", aside), "utf8"), "{ this is not json");
    assert.equal(JSON.parse(await readFile(path.join(root, ".workbook/progress.json"), "utf8")).labs["01-statelessness"].hintsShown[0], 1);
  });

  test("a malformed manifest names the lab, the field and what is wrong", async () => {
    const root = await workbook();
    const file = path.join(root, "labs/01-statelessness/lab.json");
    const manifest = JSON.parse(await readFile(file, "utf8"));
    await writeFile(file, JSON.stringify({ ...manifest, steps: [{ ...manifest.steps[0], hints: ["only one"] }] }));
    const run = lab(root, ["test", "1"]);
    assert.equal(run.code, 1);
    assert.match(run.err, /labs\/01-statelessness\/lab\.json is not valid:\n\s+- field "steps\.0\.hints": must have at least two rungs/);
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

/**
 * A lab with two steps and no services, whose step 2 test file sorts first by name: order must come from
 * lab.json, never from the file system. `src/state.ts` says which steps the "learner" has done.
 */
async function steppedWorkbook(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "kit-cli-steps-"));
  const dir = path.join(root, "labs/01-steps");
  await mkdir(path.join(dir, "test"), { recursive: true });
  await mkdir(path.join(dir, "src"), { recursive: true });
  const manifest = {
    id: "01-steps",
    title: "Two steps in order",
    order: 1,
    lesson: "statelessness",
    summary: "A fixture lab whose steps are not in file-name order.",
    services: [],
    files: ["src/state.ts"],
    steps: [
      { title: "Validate the limit", tests: ["test/zz-limit.test.ts"], hints: ["limit rung 1", "limit rung 2", "limit rung 3"] },
      { title: "Sign the cursor", tests: ["test/aa-cursor.test.ts"], hints: ["cursor rung 1", "cursor rung 2"] },
    ],
    estimatedMinutes: 10,
  };
  await writeFile(path.join(dir, "lab.json"), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(dir, "src/state.ts"), "export const done = { limit: false, cursor: false };\n");
  // Step 1's failure carries its detail after the message: 14 failing inputs, more than any short excerpt keeps.
  const inputs = Array.from({ length: 14 }, (_, i) => `?limit=bad-input-${i + 1}`);
  await writeFile(
    path.join(dir, "test/zz-limit.test.ts"),
    `import assert from "node:assert/strict";
import { test } from "node:test";
import { done } from "../src/state.ts";
test("a limit that is not digits gets a 400", () => {
  const accepted = done.limit ? [] : ${JSON.stringify(inputs)};
  assert.deepEqual(accepted, [], \`\${accepted.length} of 1,000 limits were accepted\`);
});
test("a limit of 5 is kept", () => {});
`,
  );
  await writeFile(
    path.join(dir, "test/aa-cursor.test.ts"),
    `import { test } from "node:test";
import { done } from "../src/state.ts";
test("a tampered cursor gets a 400", () => {
  // Shaped like fast-check's report: the assertion with the values is the cause.
  if (!done.cursor) throw new Error("Property failed after 1 tests", { cause: new Error("the tampered cursor was accepted: step 2's own failure") });
});
`,
  );
  return root;
}

const progressOf = async (root: string) => JSON.parse(await readFile(path.join(root, ".workbook/progress.json"), "utf8")).labs["01-steps"];
const learnerDid = (root: string, done: { limit: boolean; cursor: boolean }) =>
  writeFile(path.join(root, "labs/01-steps/src/state.ts"), `export const done = ${JSON.stringify(done)};\n`);

describe("the lab CLI with steps", () => {
  test("test leads with the earliest failing step's first failure, its detail in full, in step order", async () => {
    const root = await steppedWorkbook();
    const run = lab(root, ["test", "1"]);
    assert.equal(run.code, 1, run.err);
    assert.match(run.out, /Step 1 of 2: Validate the limit\n/, "step 1 is lab.json's first step, whatever the file names");
    assert.match(run.out, /1 of 2 passing\.\nstep 1 fails · step 2 not run\n/);
    const headline = run.out.slice(run.out.indexOf("First failure"));
    assert.match(headline, /^First failure \(step 1\): a limit that is not digits gets a 400\n  14 of 1,000 limits were accepted/);
    for (let i = 1; i <= 14; i++) assert.match(headline, new RegExp(`'\\?limit=bad-input-${i}'`), `failing input ${i} is printed`);
    assert.doesNotMatch(run.out, /tampered cursor/, "step 2 does not run while step 1 fails");
    assert.match(run.out, /hint 1 reveals the next hint for step 1 \(0 of 3 shown\)/);
    assert.deepEqual((await progressOf(root)).steps, [{ passed: 1, failed: 1, ran: true }, { passed: 0, failed: 0, ran: false }], "per-step results are recorded");

    const all = lab(root, ["test", "1", "--all"]);
    assert.match(all.out, /1 of 3 passing\./);
    assert.match(all.out.slice(all.out.indexOf("First failure")), /^First failure \(step 1\): a limit that is not digits gets a 400\n/, "with --all too, step 1's failure leads");
    assert.ok(all.out.indexOf("Step 1: Validate the limit") < all.out.indexOf("Step 2: Sign the cursor"), "steps are listed in lab.json's order");
    assert.deepEqual((await progressOf(root)).steps, [{ passed: 1, failed: 1, ran: true }, { passed: 0, failed: 1, ran: true }]);

    await learnerDid(root, { limit: true, cursor: false });
    const second = lab(root, ["test", "1"]);
    assert.match(second.out, /First failure \(step 2\): a tampered cursor gets a 400\n  Property failed after 1 tests\n  Caused by: the tampered cursor was accepted: step 2's own failure/, "a nested cause is printed too");
    assert.match(second.out, /reveals the next hint for step 2 \(0 of 2 shown\)/);
    assert.deepEqual((await progressOf(root)).steps, [{ passed: 2, failed: 0, ran: true }, { passed: 0, failed: 1, ran: true }]);

    await learnerDid(root, { limit: true, cursor: true });
    const done = lab(root, ["test", "1"]);
    assert.equal(done.code, 0);
    assert.match(done.out, /3 of 3 passing\. Lab 01 is done\./);
  });

  test("hint reveals the next rung of the earliest step not yet passing, kept per step", async () => {
    const root = await steppedWorkbook();
    const first = lab(root, ["hint", "1"]);
    assert.match(first.out, /Step 1 of 2: Validate the limit · hint 1 of 3/, "before any run, step 1");
    assert.match(first.out, /limit rung 1/);
    assert.match(first.out, /No test run is recorded yet/);
    const second = lab(root, ["hint", "1"]).out;
    assert.match(second, /hint 2 of 3.*\n\s+limit rung 2/);
    assert.doesNotMatch(second, /limit rung 1/, "only the next rung is shown");
    assert.deepEqual((await progressOf(root)).hintsShown, [2, 0]);

    await learnerDid(root, { limit: true, cursor: false });
    lab(root, ["test", "1"]);
    const third = lab(root, ["hint", "1"]).out;
    assert.match(third, /Step 2 of 2: Sign the cursor · hint 1 of 2.*\n\s+cursor rung 1/, "step 1 passes, so step 2's ladder starts, without uncovering step 1's last rung");
    assert.deepEqual((await progressOf(root)).hintsShown, [2, 1]);
    lab(root, ["hint", "1"]);
    const last = lab(root, ["hint", "1"]).out;
    assert.match(last, /hint 2 of 2.*\n\s+cursor rung 2/);
    assert.match(last, /That was the last hint for step 2/);
    assert.deepEqual((await progressOf(root)).hintsShown, [2, 2], "asking past the last rung reveals nothing new");

    const all = lab(root, ["hint", "1", "--all"]).out;
    for (const rung of ["limit rung 1", "limit rung 2", "limit rung 3", "cursor rung 1", "cursor rung 2"]) assert.match(all, new RegExp(rung));
    assert.deepEqual((await progressOf(root)).hintsShown, [3, 2], "--all records every rung as seen");

    await learnerDid(root, { limit: true, cursor: true });
    lab(root, ["test", "1"]);
    assert.match(lab(root, ["hint", "1"]).out, /Every step of lab 01-steps passed/);
  });

  test("reset records that the lab was reset: list says so until the next run", async () => {
    const root = await steppedWorkbook();
    const git = (...args: string[]) => {
      const run = spawnSync("git", ["-c", "user.name=kit", "-c", "user.email=kit@example.invalid", ...args], { cwd: root, encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
    };
    git("init", "-q");
    git("add", "labs");
    git("commit", "-q", "-m", "starter");
    await learnerDid(root, { limit: true, cursor: true });
    assert.equal(lab(root, ["test", "1"]).code, 0);
    assert.match(lab(root, ["list"]).out, /passing \(3 of 3\)/);
    const reset = lab(root, ["reset", "1", "--yes"]);
    assert.equal(reset.code, 0, reset.err);
    assert.match(reset.out, /Reset .*src\/state\.ts/);
    const entry = await progressOf(root);
    assert.ok(entry.resetAt >= entry.lastRun, "the reset is newer than the last run");
    assert.deepEqual(entry.steps, []);
    assert.match(lab(root, ["list"]).out, /reset to the starter, not run since/);
    assert.match(lab(root, ["hint", "1"]).out, /Step 1 of 2/, "after a reset, hints start again from step 1's ladder");
    lab(root, ["test", "1"]);
    assert.match(lab(root, ["list"]).out, /failing \(1 of 2 passing\): step 1 fails · step 2 not run/);
  });
});

// The real lab 05 (issue 10: its fuzz test used to be the headline whatever the learner had done).
// `lab test` runs on a copy of the lab, on the embedded services (a private redis-server is not
// needed; the MongoDB stand-in is started by the kit), once on the starter and once in the state of a
// learner who has done steps 1 and 2 (kit/test/fixtures/lab05-steps-1-2/, laid out like labs/ so
// that it typechecks against the lab's other files).
describe("lab test on lab 05", () => {
  // Inside the repository (as `lab check` does), so the tests' imports of express, mongodb and
  // "#kit/..." resolve from the copy.
  async function lab05(): Promise<{ root: string; remove(): Promise<void> }> {
    const scratch = await makeScratch("cli-05");
    await cp(path.join(repo, "labs/05-pagination"), path.join(scratch.dir, "labs/05-pagination"), { recursive: true });
    return { root: scratch.dir, remove: scratch.remove };
  }
  const run05 = (root: string) => {
    const run = spawnSync(process.execPath, [cli, "test", "5"], {
      env: { ...process.env, WORKBOOK_ROOT: root, NO_COLOR: "1", MONGO_URL: "", WORKBOOK_COMPOSE_MONGO_URL: "mongodb://127.0.0.1:1/?directConnection=true" },
      encoding: "utf8",
      timeout: 300_000,
    });
    assert.equal(run.status, 1, `lab test 5 should fail (exit 1) here:\n${run.stdout}\n${run.stderr}`);
    return run.stdout.slice(run.stdout.indexOf("First failure"));
  };

  test("on the starter it leads with step 1's failure; after steps 1 and 2, with step 3's", { timeout: 660_000 }, async () => {
    const { root, remove } = await lab05();
    after(remove);
    const starter = run05(root);
    assert.match(starter, /^First failure \(step 1\): /, `the headline is step 1's:\n${starter.slice(0, 600)}`);
    // Its detail is printed, not cut off: the query string that was answered wrongly, and how.
    const detail = starter.slice(0, starter.indexOf("Stuck?"));
    assert.match(detail, /\?limit=".*": expected 400 with \{"error": "\.\.\."\}.*; got 200/, `the failing query string and what was wrong with the answer are shown:\n${detail}`);

    await cp(path.join(repo, "kit/test/fixtures/lab05-steps-1-2/05-pagination/src/messages.ts"), path.join(root, "labs/05-pagination/src/messages.ts"));
    const halfway = run05(root);
    assert.match(halfway, /^First failure \(step 3\): /, `with steps 1 and 2 done the headline is step 3's:\n${halfway.slice(0, 600)}`);
    assert.doesNotMatch(halfway.split("\n")[0]!, /query strings/, "the fuzz test of step 4 is not the headline");
  });
});
