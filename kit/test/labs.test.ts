import assert from "node:assert/strict";
import { mkdtemp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
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

describe("the labs' own tests", () => {
  /** Each `fc.assert(...)` call in `text`, up to its closing parenthesis (strings and comments are not special-cased). */
  function propertyCalls(text: string): string[] {
    const calls: string[] = [];
    for (let at = text.indexOf("fc.assert("); at >= 0; at = text.indexOf("fc.assert(", at + 1)) {
      let depth = 0;
      let end = at + "fc.assert".length;
      for (; end < text.length; end++) {
        if (text[end] === "(") depth++;
        else if (text[end] === ")" && --depth === 0) break;
      }
      calls.push(text.slice(at, end + 1));
    }
    return calls;
  }

  test("every fast-check property runs with a fixed seed, so check judges a wrong solution the same way on every run", async () => {
    const repoRoot = path.resolve(import.meta.dirname, "../..");
    const unseeded: string[] = [];
    let seen = 0;
    for (const lab of await listLabs(repoRoot)) {
      const dir = path.join(lab.dir, "test");
      for (const name of (await readdir(dir, { recursive: true })).filter((n) => n.endsWith(".ts"))) {
        const calls = propertyCalls(await readFile(path.join(dir, name), "utf8"));
        seen += calls.length;
        for (const call of calls) if (!/\bseed:/.test(call)) unseeded.push(`${lab.id}/test/${name}: ${call.split("\n")[0]}`);
      }
    }
    assert.ok(seen > 20, `expected the labs to hold fast-check properties; found ${seen}`);
    assert.deepEqual(unseeded, [], "these properties draw new inputs on every run (give each a seed):");
  });

  test("the scan finds a property without a seed", () => {
    const [call] = propertyCalls("await fc.assert(\n  fc.asyncProperty(fc.string(), async (s) => f(s)),\n  { numRuns: 5 },\n);");
    assert.match(call!, /numRuns: 5 \},\n\)$/);
    assert.doesNotMatch(call!, /\bseed:/);
  });
});
