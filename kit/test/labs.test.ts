import assert from "node:assert/strict";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { findLab, listLabs, scanLabs, type Lab } from "../labs.ts";

async function fixture(manifests: Record<string, unknown>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "kit-labs-"));
  for (const [id, manifest] of Object.entries(manifests)) {
    await mkdir(path.join(root, "labs", id), { recursive: true });
    await writeFile(path.join(root, "labs", id, "lab.json"), typeof manifest === "string" ? manifest : JSON.stringify(manifest));
  }
  return root;
}

const manifest = (id: string, order: number) => ({
  id,
  title: `Lab ${id}`,
  order,
  lesson: id.slice(3),
  summary: "A summary long enough.",
  services: [],
  files: ["src/app.ts"],
  steps: [{ title: "The only step", tests: ["test/app.test.ts"], hints: ["a", "b"] }],
  estimatedMinutes: 30,
});

describe("finding labs", () => {
  test("lists labs in course order", async () => {
    const root = await fixture({ "02-cache-aside": manifest("02-cache-aside", 2), "01-statelessness": manifest("01-statelessness", 1) });
    assert.deepEqual((await listLabs(root)).map((l) => l.id), ["01-statelessness", "02-cache-aside"]);
  });

  test("a lab can be named by number or slug", async () => {
    const labs = await listLabs(await fixture({ "01-statelessness": manifest("01-statelessness", 1), "12-shutdown": manifest("12-shutdown", 12) }));
    const id = (name: string) => findLab(labs, name)?.id;
    for (const name of ["1", "01", "001", "statelessness", "01-statelessness", " Statelessness "]) assert.equal(id(name), "01-statelessness", `"${name}"`);
    assert.equal(id("12"), "12-shutdown");
    for (const name of ["3", "stateless", "01-shutdown", "", "-1"]) assert.equal(id(name), undefined, `"${name}" should match nothing`);
  });

  test("a broken manifest is reported by lab, and the other labs stay usable", async () => {
    const root = await fixture({ "01-statelessness": manifest("01-statelessness", 1), "02-cache-aside": "{ broken" });
    const { labs, problems } = await scanLabs(root);
    assert.deepEqual(labs.map((l: Lab) => l.id), ["01-statelessness"]);
    assert.match(problems[0]?.message ?? "", /labs\/02-cache-aside\/lab\.json is not valid/);
    await assert.rejects(listLabs(root), /02-cache-aside/);
  });

  test("a lab folder without lab.json is a problem, not a crash", async () => {
    const root = await fixture({});
    await mkdir(path.join(root, "labs", "03-queues"), { recursive: true });
    assert.match((await scanLabs(root)).problems[0]?.message ?? "", /lab\.json is missing/);
  });
});
