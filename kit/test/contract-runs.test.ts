import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { runTestFiles } from "../contract/run-files.ts";
import { fixtureWorkbook, labCli, removeFixtures, solvedCalc, wrongPatch } from "./fixture-lab.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const dirs: string[] = [];
after(async () => {
  await removeFixtures();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("runs that would never end do not hang check", () => {
  test("a wrong solution that leaves a timer running is still judged: its test file ends once its tests have", async () => {
    // Without --test-force-exit this file would never exit: the interval keeps its event loop alive.
    const leaky = solvedCalc.replace("const total = a + b;", "const total = a - b; setInterval(() => {}, 1000);");
    const root = await fixtureWorkbook({ wrong: { "leaves-a-timer.patch": wrongPatch({ wrong: "subtracts and leaves a timer running", breaks: "sum returns the sum", caughtBy: "test/sum.test.ts" }, leaky) } });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /wrong\/leaves-a-timer\.patch\s+rejected\s+test\/sum\.test\.ts fails/);
  });

  test("a run that does not finish within its cap is killed and counts as failed", async () => {
    const dir = path.join(repo, ".workbook", "scratch", `runs-${process.pid}`);
    dirs.push(dir);
    await mkdir(path.join(dir, "test"), { recursive: true });
    await writeFile(
      path.join(dir, "test/hangs.test.ts"),
      'import { test } from "node:test";\ntest("never settles", () => new Promise(() => { setInterval(() => {}, 1000); }));\n',
    );
    const summary = await runTestFiles({ labDir: dir, files: ["test/hangs.test.ts"], env: {}, testTimeoutMs: 600_000, runTimeoutMs: 1500 });
    assert.equal(summary.passed, 0);
    assert.ok(summary.failed >= 1);
    assert.ok(summary.results.some((r) => r.name === "the test run itself" && /did not finish within 1\.5 s; killed it/.test(r.error ?? "")), JSON.stringify(summary.results));
  });
});
