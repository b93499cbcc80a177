import assert from "node:assert/strict";
import { mkdtemp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { blankLabProgress, labState, progressFile, readProgress, recordRun, updateLabProgress } from "../progress.ts";

const freshRoot = () => mkdtemp(path.join(tmpdir(), "kit-progress-"));

describe("progress file", () => {
  test("a missing file is fresh progress", async () => {
    assert.deepEqual(await readProgress(await freshRoot()), { version: 1, labs: {} });
  });

  test("records runs, hints and the first pass, and reads them back", async () => {
    const root = await freshRoot();
    const t1 = new Date("2026-01-01T10:00:00Z");
    const t2 = new Date("2026-01-01T11:00:00Z");
    await updateLabProgress("01-statelessness", (e) => recordRun(e, 3, 4, t1), root);
    await updateLabProgress("01-statelessness", (e) => ({ ...e, hintsShown: 2 }), root);
    await updateLabProgress("01-statelessness", (e) => recordRun(e, 7, 0, t2), root);
    await updateLabProgress("01-statelessness", (e) => recordRun(e, 6, 1, new Date("2026-01-02T00:00:00Z")), root);
    const entry = (await readProgress(root)).labs["01-statelessness"];
    assert.deepEqual(entry, { lastRun: "2026-01-02T00:00:00.000Z", passed: 6, failed: 1, total: 7, hintsShown: 2, firstPassedAt: t2.toISOString() });
  });

  test("a malformed file is renamed aside with a warning, never deleted", async () => {
    for (const broken of ["{ not json", JSON.stringify({ version: 1, labs: { x: { passed: "many" } } }), JSON.stringify([1, 2])]) {
      const root = await freshRoot();
      await mkdir(path.dirname(progressFile(root)), { recursive: true });
      await writeFile(progressFile(root), broken);
      const warnings: string[] = [];
      assert.deepEqual(await readProgress(root, (m) => warnings.push(m)), { version: 1, labs: {} });
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /malformed.*kept as \.workbook\/progress\.json\.broken-/);
      const kept = (await readdir(path.dirname(progressFile(root)))).filter((f) => f.startsWith("progress.json.broken-"));
      assert.equal(kept.length, 1, "the malformed file must be kept");
      assert.equal(await readFile(path.join(path.dirname(progressFile(root)), kept[0]!), "utf8"), broken, "and kept byte for byte");
    }
  });

  test("lab state: not started, failing N of M, passing", () => {
    assert.deepEqual(labState(undefined), { state: "not-started" });
    assert.deepEqual(labState({ ...blankLabProgress(), hintsShown: 2 }), { state: "not-started" });
    assert.deepEqual(labState(recordRun(blankLabProgress(), 2, 5)), { state: "failing", passed: 2, total: 7 });
    assert.deepEqual(labState(recordRun(blankLabProgress(), 7, 0)), { state: "passing", passed: 7, total: 7 });
  });
});
