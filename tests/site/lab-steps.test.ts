// The lab page's progress line for a run that stopped at a failing step. The page fills it in the browser from
// GET /api/progress, so this needs no site build: it checks the API's view (site/server/progress-api.ts) and the
// function the page's script writes the line with (site/src/scripts/progress.ts).
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { listLabs } from "../../kit/labs.ts";
import { currentProgress } from "../../site/server/progress-api.ts";
import { describeWithSteps, type LabView } from "../../site/src/scripts/progress.ts";
import { repoRoot } from "./helpers/build.ts";

const roots: string[] = [];
after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

async function progressRoot(labs: Record<string, unknown>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), "wb-lab-steps-"));
  roots.push(root);
  await mkdir(path.join(root, ".workbook"), { recursive: true });
  await writeFile(path.join(root, ".workbook", "progress.json"), JSON.stringify({ version: 1, labs }));
  return root;
}

test("a lab page shows a step the run stopped before as not run, not as failing", async () => {
  const lab = (await listLabs(repoRoot)).find((l) => l.manifest.steps.length >= 3);
  assert.ok(lab, "a lab with three steps or more");
  const count = lab.manifest.steps.length;
  const steps = [{ passed: 2, failed: 0, ran: true }, { passed: 1, failed: 1, ran: true }, ...Array.from({ length: count - 2 }, () => ({ passed: 0, failed: 0, ran: false }))];
  const entry = { lastRun: "2026-01-01T10:00:00.000Z", passed: 3, failed: 1, total: 4, hintsShown: [], steps, firstPassedAt: null };
  const view = (await currentProgress(repoRoot, await progressRoot({ [lab.id]: entry }))).labs[lab.id]!;
  assert.deepEqual(view.steps, ["pass", "fail", ...Array.from({ length: count - 2 }, () => "not-run")]);
  const range = count === 3 ? "step 3 not run" : `steps 3–${count} not run`;
  assert.equal(describeWithSteps(view as LabView), `Failing: 3 of 4 tests pass · step 1 passes · step 2 fails · ${range}`);
});

test("without step results (an older file, a reset, one step) the line is the state alone", async () => {
  const [first] = await listLabs(repoRoot);
  const old = { lastRun: "2026-01-01T10:00:00.000Z", passed: 2, failed: 1, total: 3, hintsShown: 0, firstPassedAt: null };
  const view = (await currentProgress(repoRoot, await progressRoot({ [first!.id]: old }))).labs[first!.id]!;
  assert.deepEqual(view, { state: "failing", passed: 2, total: 3, hintsShown: [0], setAside: null }, "the API's answer for an old file is unchanged");
  assert.equal(describeWithSteps(view as LabView), "Failing: 2 of 3 tests pass");
  const reset: LabView = { state: "reset", at: "2026-01-02T00:00:00.000Z", hintsShown: [], setAside: null };
  assert.equal(describeWithSteps(reset), "Reset to the starter: run the tests again");
  const oneStep: LabView = { state: "failing", passed: 0, total: 1, hintsShown: [], setAside: null, steps: ["fail"] };
  assert.equal(describeWithSteps(oneStep), "Failing: 0 of 1 tests pass");
  const done: LabView = { state: "passing", passed: 5, total: 5, hintsShown: [], setAside: null, steps: ["pass", "pass"] };
  assert.equal(describeWithSteps(done), "Passing: all 5 tests pass · steps 1–2 pass");
});
