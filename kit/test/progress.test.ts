import assert from "node:assert/strict";
import { mkdtemp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { blankLabProgress, describeState, earliestOpenStep, labState, mergeHints, progressFile, readProgress, recordReset, recordRun, stepStates, updateLabProgress } from "../progress.ts";
import { notRunStep } from "../step-states.ts";

const freshRoot = () => mkdtemp(path.join(tmpdir(), "kit-progress-"));

describe("progress file", () => {
  test("a missing file is fresh progress", async () => {
    assert.deepEqual(await readProgress(await freshRoot()), { version: 1, labs: {}, setAside: null });
  });

  test("records runs, hints and the first pass, and reads them back", async () => {
    const root = await freshRoot();
    const t1 = new Date("2026-01-01T10:00:00Z");
    const t2 = new Date("2026-01-01T11:00:00Z");
    await updateLabProgress("01-statelessness", (e) => recordRun(e, 3, 4, t1), root);
    await updateLabProgress("01-statelessness", (e) => ({ ...e, hintsShown: [2, 1] }), root);
    await updateLabProgress("01-statelessness", (e) => recordRun(e, 7, 0, t2), root);
    const steps = [{ passed: 4, failed: 0, ran: true }, { passed: 2, failed: 1, ran: true }];
    await updateLabProgress("01-statelessness", (e) => recordRun(e, 6, 1, new Date("2026-01-02T00:00:00Z"), steps), root);
    const entry = (await readProgress(root)).labs["01-statelessness"];
    assert.deepEqual(entry, {
      lastRun: "2026-01-02T00:00:00.000Z",
      passed: 6,
      failed: 1,
      total: 7,
      hintsShown: [2, 1],
      steps,
      firstPassedAt: t2.toISOString(),
      resetAt: null,
      setAside: null,
    });
  });

  test("a file written before hint ladders reads as step 1's count, with no step results", async () => {
    const root = await freshRoot();
    await mkdir(path.dirname(progressFile(root)), { recursive: true });
    const old = { lastRun: "2026-01-01T00:00:00.000Z", passed: 1, failed: 2, total: 3, hintsShown: 3, firstPassedAt: null };
    await writeFile(progressFile(root), JSON.stringify({ version: 1, labs: { "02-cache-aside": old } }));
    const warnings: string[] = [];
    const entry = (await readProgress(root, (m) => warnings.push(m))).labs["02-cache-aside"];
    assert.deepEqual(entry, { ...old, hintsShown: [3], steps: [], resetAt: null, setAside: null });
    assert.deepEqual(warnings, []);
  });

  test("a run that stopped at step 2 records steps 3–4 as not run, not as failing, and the lab as failing with what ran", async () => {
    const root = await freshRoot();
    const steps = [{ passed: 3, failed: 0, ran: true }, { passed: 1, failed: 2, ran: true }, notRunStep(), notRunStep()];
    await updateLabProgress("03-queues", (e) => recordRun(e, 4, 2, new Date("2026-01-01T10:00:00Z"), steps), root);
    const entry = (await readProgress(root)).labs["03-queues"];
    assert.deepEqual(entry?.steps, [{ passed: 3, failed: 0, ran: true }, { passed: 1, failed: 2, ran: true }, { passed: 0, failed: 0, ran: false }, { passed: 0, failed: 0, ran: false }]);
    assert.deepEqual(stepStates(entry), ["pass", "fail", "not-run", "not-run"]);
    assert.deepEqual(labState(entry), { state: "failing", passed: 4, total: 6 }, "the counts are of the tests that ran");
    assert.equal(describeState(labState(entry), stepStates(entry)), "failing (4 of 6 passing): step 1 passes · step 2 fails · steps 3–4 not run");
    assert.equal(earliestOpenStep(entry, 4), 1, "hints follow the step the run stopped at");
  });

  test("a lab passes only when every step ran and passed", () => {
    const stoppedEarly = recordRun(blankLabProgress(), 3, 0, new Date("2026-01-01T10:00:00Z"), [{ passed: 3, failed: 0, ran: true }, notRunStep()]);
    assert.equal(labState(stoppedEarly).state, "failing", "no failing test, but step 2 did not run");
    assert.equal(stoppedEarly.firstPassedAt, null, "nor does it count as the first pass");
    const all = recordRun(blankLabProgress(), 5, 0, new Date("2026-01-01T10:00:00Z"), [{ passed: 3, failed: 0, ran: true }, { passed: 2, failed: 0, ran: true }]);
    assert.deepEqual(labState(all), { state: "passing", passed: 5, total: 5 });
    assert.equal(all.firstPassedAt, "2026-01-01T10:00:00.000Z");
    assert.deepEqual(stepStates(recordReset(all)), [], "after a reset no step has a state");
  });

  test("a file written before step-by-step runs loads: its steps, without ran, all ran", async () => {
    const root = await freshRoot();
    await mkdir(path.dirname(progressFile(root)), { recursive: true });
    const old = { lastRun: "2026-01-01T00:00:00.000Z", passed: 5, failed: 1, total: 6, hintsShown: [1], steps: [{ passed: 4, failed: 0 }, { passed: 1, failed: 1 }], firstPassedAt: null, resetAt: null };
    const passing = { ...old, passed: 6, failed: 0, steps: [{ passed: 4, failed: 0 }, { passed: 2, failed: 0 }], firstPassedAt: "2026-01-01T00:00:00.000Z" };
    await writeFile(progressFile(root), JSON.stringify({ version: 1, labs: { "01-statelessness": old, "02-cache-aside": passing } }));
    const warnings: string[] = [];
    const progress = await readProgress(root, (m) => warnings.push(m));
    assert.deepEqual(warnings, [], "nothing is set aside");
    const entry = progress.labs["01-statelessness"];
    assert.deepEqual(entry?.steps, [{ passed: 4, failed: 0, ran: true }, { passed: 1, failed: 1, ran: true }]);
    assert.deepEqual(stepStates(entry), ["pass", "fail"]);
    assert.deepEqual(labState(entry), { state: "failing", passed: 5, total: 6 });
    assert.deepEqual(labState(progress.labs["02-cache-aside"]), { state: "passing", passed: 6, total: 6 }, "an old passing lab still passes");
  });

  test("a file that is not progress at all is renamed aside with a warning, never deleted", async () => {
    for (const broken of ["{ not json", JSON.stringify({ version: 2, labs: {} }), JSON.stringify([1, 2]), JSON.stringify({ version: 1, labs: [] })]) {
      const root = await freshRoot();
      await mkdir(path.dirname(progressFile(root)), { recursive: true });
      await writeFile(progressFile(root), broken);
      const warnings: string[] = [];
      const fresh = await readProgress(root, (m) => warnings.push(m));
      assert.deepEqual(fresh.labs, {});
      assert.match(fresh.setAside ?? "", /^\.workbook\/progress\.json\.broken-/, "the progress says where the old file went, for the site to show");
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /malformed.*kept as \.workbook\/progress\.json\.broken-/);
      const kept = (await readdir(path.dirname(progressFile(root)))).filter((f) => f.startsWith("progress.json.broken-"));
      assert.equal(kept.length, 1, "the malformed file must be kept");
      assert.equal(await readFile(path.join(path.dirname(progressFile(root)), kept[0]!), "utf8"), broken, "and kept byte for byte");
      assert.equal((await readProgress(root)).setAside, fresh.setAside, "the note stays until the next run");
    }
  });

  test("a damaged field costs only its lab's entry: the rest is salvaged and the broken part kept aside", async () => {
    const root = await freshRoot();
    await mkdir(path.dirname(progressFile(root)), { recursive: true });
    const good = { lastRun: "2026-01-01T00:00:00.000Z", passed: 2, failed: 0, total: 2, hintsShown: [1, 2], steps: [], firstPassedAt: "2026-01-01T00:00:00.000Z" };
    const damaged = { ...good, passed: "many" };
    const alsoDamaged = { ...good, hintsShown: [-1] };
    await writeFile(progressFile(root), JSON.stringify({ version: 1, labs: { "01-statelessness": good, "02-cache-aside": damaged, "03-queues": alsoDamaged } }));
    const warnings: string[] = [];
    const progress = await readProgress(root, (m) => warnings.push(m));
    assert.deepEqual(progress.labs["01-statelessness"], { ...good, resetAt: null, setAside: null }, "the undamaged lab keeps everything");
    for (const id of ["02-cache-aside", "03-queues"]) {
      const entry = progress.labs[id]!;
      assert.match(entry.setAside ?? "", /^\.workbook\/progress\.json\.broken-/, `${id} says where its entry went`);
      assert.deepEqual({ ...entry, setAside: null }, blankLabProgress(), `${id} starts fresh`);
    }
    assert.equal(progress.setAside, null, "the file as a whole was readable");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /lab 02-cache-aside, 03-queues was malformed \(labs\.02-cache-aside\.passed: .*\)/);
    const dir = path.dirname(progressFile(root));
    const kept = (await readdir(dir)).filter((f) => f.startsWith("progress.json.broken-"));
    assert.equal(kept.length, 1);
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, kept[0]!), "utf8")), { version: 1, labs: { "02-cache-aside": damaged, "03-queues": alsoDamaged } });
    assert.deepEqual(await readProgress(root), progress, "the salvaged file was written back, so the next read changes nothing");
    const run = await updateLabProgress("02-cache-aside", (e) => recordRun(e, 1, 1), root);
    assert.equal(run.setAside, null, "the next run clears the note");
  });

  test("reset: the state says reset until the next run, and step results are dropped", () => {
    const passed = recordRun(blankLabProgress(), 7, 0, new Date("2026-01-01T10:00:00Z"), [{ passed: 7, failed: 0, ran: true }]);
    const reset = recordReset(passed, new Date("2026-01-01T11:00:00Z"));
    assert.deepEqual(labState(reset), { state: "reset", at: "2026-01-01T11:00:00.000Z" });
    assert.deepEqual(reset.steps, []);
    assert.equal(reset.firstPassedAt, passed.firstPassedAt, "having passed once is kept (the solution stays unlocked)");
    assert.deepEqual(labState(recordRun(reset, 1, 6, new Date("2026-01-01T12:00:00Z"))), { state: "failing", passed: 1, total: 7 });
    assert.deepEqual(labState(recordReset(blankLabProgress())).state, "reset");
  });

  test("the earliest step not yet passing", () => {
    const at = (steps: { passed: number; failed: number }[]) => recordRun(blankLabProgress(), 0, 0, new Date(), steps.map((step) => ({ ...step, ran: true })));
    assert.equal(earliestOpenStep(undefined, 3), 0, "before any run: step 1");
    assert.equal(earliestOpenStep(at([{ passed: 2, failed: 0 }, { passed: 1, failed: 1 }, { passed: 0, failed: 3 }]), 3), 1);
    assert.equal(earliestOpenStep(at([{ passed: 2, failed: 0 }, { passed: 0, failed: 0 }, { passed: 1, failed: 0 }]), 3), 1, "a step with no tests run is not passing");
    assert.equal(earliestOpenStep(at([{ passed: 2, failed: 0 }, { passed: 1, failed: 0 }]), 2), -1, "every step passes");
    assert.equal(earliestOpenStep(at([{ passed: 2, failed: 0 }, { passed: 1, failed: 0 }]), 3), 0, "results of another step layout are not trusted");
    assert.equal(earliestOpenStep(recordReset(at([{ passed: 2, failed: 0 }, { passed: 1, failed: 1 }])), 2), 0, "after a reset: step 1");
  });

  test("revealed hints only grow, capped by each step's rungs", () => {
    assert.deepEqual(mergeHints([2, 0], [1, 1, 3]), [2, 1, 3]);
    assert.deepEqual(mergeHints([2, 0], [5, 1, 3], [3, 2]), [3, 1]);
  });

  test("lab state: not started, failing N of M, passing", () => {
    assert.deepEqual(labState(undefined), { state: "not-started" });
    assert.deepEqual(labState({ ...blankLabProgress(), hintsShown: [2] }), { state: "not-started" });
    assert.deepEqual(labState(recordRun(blankLabProgress(), 2, 5)), { state: "failing", passed: 2, total: 7 });
    assert.deepEqual(labState(recordRun(blankLabProgress(), 7, 0)), { state: "passing", passed: 7, total: 7 });
  });
});
