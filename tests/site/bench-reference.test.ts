import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readBenchReference, type BenchReference } from "../../site/src/labs/bench-reference.ts";
import { repoRoot } from "./helpers/build.ts";

/** The first Markdown table under the README's "## Measure it": its header cells and rows of cells. */
function measureTable(readme: string): { head: string[]; rows: string[][] } | null {
  const section = /^## Measure it\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1] ?? "";
  const lines = section.split("\n");
  const start = lines.findIndex((line) => line.startsWith("|"));
  if (start < 0) return null;
  const cells = (line: string) => line.replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
  const table = lines.slice(start, lines.findIndex((line, i) => i > start && !line.startsWith("|")) >>> 0);
  return { head: cells(table[0]!), rows: table.slice(2).map(cells) };
}

/** The `part`th number written in a cell: "1,161 / 2,073 ms" has 1161 and 2073. */
const numberIn = (cell: string, part: number) => {
  const found = cell.match(/\d[\d,]*(?:\.\d+)?/g)?.[part];
  return found === undefined ? undefined : Number(found.replaceAll(",", ""));
};

function readmeCell(table: { head: string[]; rows: string[][] }, figure: BenchReference["figures"][number], code: "starter" | "solution"): string | undefined {
  const { head, rows } = table;
  if (figure.readme.table === "figure-rows") {
    const column = head.findIndex((h) => h === code);
    return rows.find((row) => row[0] === figure.readme.label)?.[column];
  }
  const column = head.findIndex((h) => h === figure.readme.label);
  return column < 1 ? undefined : rows.find((row) => row[0]!.startsWith(code))?.[column];
}

const labIds = async () => (await readdir(path.join(repoRoot, "labs"), { withFileTypes: true })).filter((e) => e.isDirectory() && /^\d\d-/.test(e.name)).map((e) => e.name).sort();

test("every lab has reference figures, and they are the numbers in its README's Measure it table", async () => {
  for (const lab of await labIds()) {
    const readme = await readFile(path.join(repoRoot, "labs", lab, "README.md"), "utf8");
    const table = measureTable(readme);
    const reference = await readBenchReference(lab, repoRoot);
    // The lab page charts these until the learner has run the bench, so every lab has them.
    assert.ok(reference, `labs/${lab} has no bench-reference.json: put the bench's starter and solution medians in a table under the README's Measure it, and the same figures in that file`);
    assert.ok(table, `labs/${lab}/bench-reference.json exists but the README's Measure it section has no table`);
    assert.match(reference.source, /^README, Measure it: /, `${lab}: say where the numbers come from`);
    for (const figure of reference.figures) {
      for (const code of ["starter", "solution"] as const) {
        const cell = readmeCell(table, figure, code);
        assert.ok(cell !== undefined, `${lab}: no ${code} cell for "${figure.readme.label}" in the README's table`);
        assert.equal(figure[code], numberIn(cell, figure.readme.part), `${lab}: "${figure.name}", ${code}: the README says "${cell}"`);
      }
    }
  }
});

test("a README table and its reference file are compared cell by cell", () => {
  const table = measureTable("## Measure it\n\nText.\n\n| figure | starter | solution |\n|---|---|---|\n| p50 / p95 | 1,161 / 2,073 ms | 9 / 12 ms |\n\n## Next\n| x |\n");
  assert.deepEqual(table, { head: ["figure", "starter", "solution"], rows: [["p50 / p95", "1,161 / 2,073 ms", "9 / 12 ms"]] });
  const figure = { name: "p95", unit: "ms", better: "lower" as const, starter: 2073, solution: 12, readme: { table: "figure-rows" as const, label: "p50 / p95", part: 1 } };
  assert.equal(numberIn(readmeCell(table!, figure, "starter")!, 1), 2073);
  assert.equal(numberIn(readmeCell(table!, figure, "solution")!, 1), 12);
  assert.equal(measureTable("## Measure it\n\nOnly prose.\n"), null);
});

test("a missing, broken or invalid reference file fails with the file and what to do", async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), "wb-bench-ref-"));
  try {
    await mkdir(path.join(root, "labs", "07-example"), { recursive: true });
    await assert.rejects(readBenchReference("07-example", root), /labs\/07-example\/bench-reference\.json is missing: .*npm run lab -- bench 07 --solution/);
    const file = path.join(root, "labs", "07-example", "bench-reference.json");
    await writeFile(file, "{ not json");
    await assert.rejects(readBenchReference("07-example", root), /labs\/07-example\/bench-reference\.json is not JSON: /);
    await writeFile(file, JSON.stringify({ lab: "07-example" }));
    await assert.rejects(readBenchReference("07-example", root), /labs\/07-example\/bench-reference\.json is not valid: /);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
