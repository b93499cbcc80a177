import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, test } from "node:test";
import { barCells, benchBars, variantFill } from "../bench/bars.ts";
import { appendBenchRun, benchHistoryFile, benchHistorySchema, benchRunRecord, codeIdentity, keptRuns, readBenchHistory } from "../bench/history.ts";
import { headlineHistory } from "../bench/run.ts";
import { scanLabs } from "../labs.ts";
import { fig, results } from "./bench-results.ts";
import { fixtureWorkbook, labCli, labId, removeFixtures } from "./fixture-lab.ts";

after(removeFixtures);

const code = { hash: `sha256:${"a".repeat(64)}`, commit: null };

test("a run's record keeps every variant's figures with their median and samples; a sample that is not a number is kept as null", () => {
  const record = benchRunRecord(
    results({
      starter: [[fig("sessions lost", 97, "requests", { headline: true }), fig("reference, redis alone", 1, "ms")]], 
      yours: [[fig("sessions lost", 0, "requests", { headline: true }), fig("reference, redis alone", 3, "ms")], [fig("sessions lost", Number.NaN, "requests")]],
    }),
    2,
    code,
    new Date("2026-12-07T01:00:00Z"),
  );
  assert.equal(record.at, "2026-12-07T01:00:00.000Z");
  assert.deepEqual(record.variants.map((v) => v.variant), ["starter", "yours"]);
  const yours = record.variants[1]!.figures;
  assert.deepEqual(yours[0], { name: "sessions lost", unit: "requests", better: "lower", headline: true, reference: false, median: 0, samples: [0, null] });
  // The median is over the samples that are numbers, as the printed table's is.
  assert.equal(yours[1]!.reference, true, "a name starting with reference is a reference figure");
  assert.equal(record.variants[0]!.figures[0]!.median, 97);
});

test("runs are appended oldest first, the file stays valid against its schema, and only the newest runs are kept", async () => {
  const root = await fixtureWorkbook();
  for (let i = 0; i < keptRuns + 3; i++) {
    await appendBenchRun(labId, benchRunRecord(results({ yours: [[fig("queries", i, "queries")]] }), 1, code, new Date(Date.UTC(2026, 0, 1, 0, i))), root);
  }
  const saved = benchHistorySchema.parse(JSON.parse(await readFile(benchHistoryFile(labId, root), "utf8")));
  assert.equal(saved.runs.length, keptRuns);
  assert.equal(saved.runs[0]!.variants[0]!.figures[0]!.median, 3, "the three oldest runs were dropped");
  assert.equal(saved.runs.at(-1)!.variants[0]!.figures[0]!.median, keptRuns + 2);
});

test("a damaged history is kept aside byte for byte, the learner is told where, and a new history starts", async () => {
  const cases: [string, string, RegExp][] = [
    ["not JSON", "{ runs: [", /not valid JSON/],
    ["the wrong shape", JSON.stringify({ version: 1, lab: labId, runs: [{ at: "yesterday" }] }), /runs\.0\./],
    ["another lab's history", JSON.stringify({ version: 1, lab: "02-other", runs: [] }), /history of lab 02-other/],
  ];
  for (const [what, text, problem] of cases) {
    const root = await fixtureWorkbook();
    const file = benchHistoryFile(labId, root);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    const warnings: string[] = [];
    const history = await appendBenchRun(labId, benchRunRecord(results({ yours: [[fig("queries", 1, "queries")]] }), 1, code), root, (m) => warnings.push(m));
    assert.equal(history.runs.length, 1, `${what}: the new run starts a new history`);
    assert.equal(warnings.length, 1, `${what}: one warning`);
    assert.match(warnings[0]!, problem);
    const aside = (await readdir(path.dirname(file))).filter((n) => n.startsWith(`${labId}.json.broken-`));
    assert.equal(aside.length, 1, `${what}: the old file is kept`);
    assert.ok(warnings[0]!.includes(aside[0]!), `${what}: the warning names where it went`);
    assert.equal(await readFile(path.join(path.dirname(file), aside[0]!), "utf8"), text, `${what}: kept unchanged`);
    assert.equal((await readBenchHistory(labId, root)).runs.length, 1, `${what}: the new history reads back`);
  }
});

test("the code's identity changes with the learner's files and not otherwise", async () => {
  const root = await fixtureWorkbook();
  const lab = (await scanLabs(root)).labs[0]!;
  const first = await codeIdentity(lab, root);
  assert.match(first.hash, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual((await codeIdentity(lab, root)).hash, first.hash);
  await writeFile(path.join(lab.dir, "src/calc.ts"), "export const sum = (a: number, b: number) => a + b;\n");
  assert.notEqual((await codeIdentity(lab, root)).hash, first.hash);
});

test("a bar is scaled to the largest value, never hides a value above zero, and is empty for zero or no number", () => {
  assert.equal(barCells(100, 100, 28), 28);
  assert.equal(barCells(50, 100, 28), 14);
  assert.equal(barCells(0.01, 100, 28), 1, "a small but real value still shows");
  assert.equal(barCells(0, 100, 28), 0);
  assert.equal(barCells(Number.NaN, 100, 28), 0);
  assert.equal(barCells(-3, 100, 28), 0);
  assert.equal(barCells(5, 0, 28), 0);
});

test("bars: each figure gets one labelled bar per variant, each variant its own fill; reference figures get none", () => {
  const lines = benchBars(
    results({
      starter: [[fig("sessions lost per 200 requests", 100, "requests"), fig("reference, redis alone", 1, "ms")]],
      yours: [[fig("sessions lost per 200 requests", 25, "requests"), fig("reference, redis alone", 1, "ms")]],
    }),
    20,
  );
  assert.deepEqual(lines, [
    "sessions lost per 200 requests (lower is better)",
    `  starter ${variantFill.starter.repeat(20)} 100 requests`,
    `  yours   ${variantFill.yours.repeat(5)}${" ".repeat(15)} 25 requests`,
  ]);
  assert.notEqual(variantFill.starter, variantFill.yours);
  assert.notEqual(variantFill.yours, variantFill.solution);
});

test("bars: percentiles of one measurement share a block and a scale, p50 first", () => {
  const lines = benchBars(
    results({
      starter: [[fig("POST /users p95 latency (200 ms provider)", 400, "ms"), fig("POST /users median latency (200 ms provider)", 200, "ms")]],
      yours: [[fig("POST /users p95 latency (200 ms provider)", 8, "ms"), fig("POST /users median latency (200 ms provider)", 4, "ms")]],
    }),
    10,
  );
  assert.equal(lines[0], "POST /users latency (200 ms provider): median, p95 (lower is better)");
  assert.deepEqual(lines.slice(1), [
    `  median starter ${variantFill.starter.repeat(5)}${" ".repeat(5)} 200 ms`,
    `  median yours   ${variantFill.yours}${" ".repeat(9)} 4 ms`,
    `  p95    starter ${variantFill.starter.repeat(10)} 400 ms`,
    `  p95    yours   ${variantFill.yours}${" ".repeat(9)} 8 ms`,
  ]);
});

test("the headline's history follows the learner's code over the saved runs", async () => {
  const root = await fixtureWorkbook();
  let history;
  for (const value of [97, 40, 0]) {
    history = await appendBenchRun(labId, benchRunRecord(results({ starter: [[fig("lost", 97, "requests", { headline: true })]], yours: [[fig("lost", value, "requests", { headline: true })]] }), 1, code), root);
  }
  assert.deepEqual(headlineHistory(history!), { name: "lost", values: ["97 requests", "40 requests", "0 requests"] });
});

test("lab bench saves the run, draws the bars and says where it saved them", async () => {
  const bench = `import { pathToFileURL } from "node:url";
import path from "node:path";
export default async ({ appDir }: { appDir: string }) => {
  const { sum } = await import(pathToFileURL(path.join(appDir, "src/calc.ts")).href);
  return [{ name: "sum of 2 and 3", value: sum(2, 3), unit: "", better: "higher", headline: true }];
};
`;
  const root = await fixtureWorkbook({ extraFiles: { "bench.ts": bench } });
  const run = labCli(root, ["bench", "1", "--solution"]);
  assert.equal(run.code, 0, run.err + run.out);
  assert.match(run.out, /sum of 2 and 3 \(higher is better\)\n {2}yours +0\n {2}solution ▓{28} 5\n/);
  assert.match(run.out, /Saved as run 1 of \.workbook\/bench\/01-fixture\.json/);
  const saved = benchHistorySchema.parse(JSON.parse(await readFile(benchHistoryFile(labId, root), "utf8")));
  assert.deepEqual(saved.runs[0]!.variants.map((v) => [v.variant, v.figures[0]!.median]), [["yours", 0], ["solution", 5]]);
  assert.equal(labCli(root, ["bench", "1"]).code, 0);
  const again = benchHistorySchema.parse(JSON.parse(await readFile(benchHistoryFile(labId, root), "utf8")));
  assert.equal(again.runs.length, 2, "a second bench adds to the history");
});

test("lab bench --load hands the scenario the multiples asked for, lowest first, and refuses a load that is not one", async () => {
  const bench = `export default async ({ multiples }: { multiples?: number[] }) => [
  { name: "multiples asked for", value: multiples === undefined ? -1 : Number(multiples.join("")), unit: "", better: "higher", headline: true },
];
`;
  const root = await fixtureWorkbook({ extraFiles: { "bench.ts": bench } });
  const one = labCli(root, ["bench", "1", "--runs", "1", "--load", "3x"]);
  assert.equal(one.code, 0, one.err + one.out);
  assert.match(one.out, /multiples asked for \(higher is better\)\n {2}yours +█+ 3\n/);
  const two = labCli(root, ["bench", "1", "--runs", "1", "--load", "5x,1x"]);
  assert.match(two.out, /yours +█+ 15\n/, "1x then 5x");
  const none = labCli(root, ["bench", "1", "--runs", "1"]);
  assert.match(none.out, /yours +-1\n/, "without --load the scenario keeps its own");
  for (const bad of ["0x", "fast", "200x", "3x,"]) {
    const refused = labCli(root, ["bench", "1", "--load", bad]);
    assert.equal(refused.code, 2, `--load ${bad} must be refused`);
    assert.match(refused.err + refused.out, /--load takes multiples of the base rate such as 3x or 1x,5x/);
  }
});
