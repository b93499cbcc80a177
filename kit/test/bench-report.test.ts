import assert from "node:assert/strict";
import { test } from "node:test";
import { benchReport, compare, formatValue } from "../bench/report.ts";
import { fig, results } from "./bench-results.ts";

// Shaped like lab 05's bench: a count, a ratio row, a 0/1 count and reference rows.
const lab05 = (keys: number, ratio: number, counts: number, refRatio: number) => [
  fig("deep page: index keys examined", keys, "keys"),
  fig("app: deep page ÷ page 1 time", ratio, "×"),
  fig("app: exact counts per request", counts, "counts"),
  fig("reference, cursor + index: deep ÷ page 1 time", refRatio, "×"),
];

test("the headline comes first, as a sentence with both medians and the verdict", () => {
  const lines = benchReport(results({ starter: [lab05(10_020, 40, 1, 1.1), lab05(10_020, 30, 1, 1.3)], yours: [lab05(20, 1.2, 0, 1.2), lab05(20, 1.1, 0, 1.0)] }));
  assert.equal(lines[0], "deep page: index keys examined (median, lower is better):");
  assert.equal(lines[1], "  the starter 10,020 keys → your code 20 keys: 501× lower, better");
});

test("with the solution measured too, the headline's verdict names the two codes it compares", () => {
  const lines = benchReport(results({ starter: [lab05(10_020, 40, 1, 1.1)], yours: [lab05(10_020, 40, 1, 1.1)], solution: [lab05(20, 1.2, 0, 1.2)] }));
  assert.equal(lines[1], "  the starter 10,020 keys → your code 10,020 keys → the solution 20 keys: solution against starter, 501× lower, better");
});

test("a row that is already a ratio gets no starter/yours ratio, only better or worse", () => {
  const lines = benchReport(results({ starter: [lab05(100, 40, 1, 1.1)], yours: [lab05(20, 1.2, 0, 1.2)] }));
  const row = lines.find((l) => l.startsWith("app: deep page ÷ page 1 time"))!;
  assert.match(row, /40×\s+1\.2×\s+better$/);
  assert.doesNotMatch(row, /33/);
});

test("units agree with their number: 1 count, 0 counts, 1 query", () => {
  assert.equal(formatValue(1, "counts"), "1 count");
  assert.equal(formatValue(0, "counts"), "0 counts");
  assert.equal(formatValue(1, "queries"), "1 query");
  assert.equal(formatValue(1, "ms"), "1 ms");
  assert.equal(formatValue(1.25, "ratio"), "1.25×");
  assert.equal(formatValue(12.5, "%"), "12.5%");
  const lines = benchReport(results({ starter: [lab05(100, 40, 1, 1.1)], yours: [lab05(20, 1.2, 0, 1.2)] }));
  assert.ok(lines.every((l) => !/\b1 counts\b/.test(l)), lines.join("\n"));
  assert.match(lines.find((l) => l.startsWith("app: exact counts"))!, /1 count\s+0 counts\s+better$/);
});

test("reference rows are printed apart, marked as reference, once, with the median of every run", () => {
  const lines = benchReport(results({ starter: [lab05(100, 40, 1, 1.0)], yours: [lab05(20, 1.2, 0, 1.5), lab05(20, 1.2, 0, 2.0)] }));
  const heading = lines.findIndex((l) => l.startsWith("reference ("));
  assert.ok(heading > 0, lines.join("\n"));
  assert.ok(lines.slice(0, heading).every((l) => !/reference/i.test(l)), "no reference row among the compared ones");
  const refRows = lines.slice(heading + 1);
  assert.equal(refRows.length, 1);
  assert.match(refRows[0]!, /^ {2}cursor \+ index: deep ÷ page 1 time\s+1\.5×$/);
});

test("a figure marked headline leads even when it is not first", () => {
  const run = (v: number) => [fig("CPU per request", 10, "µs"), fig("throughput kept", v, "ratio", { better: "higher", headline: true })];
  const lines = benchReport(results({ starter: [run(0.7)], yours: [run(0.95)] }));
  assert.equal(lines[0], "throughput kept (median, higher is better):");
  assert.equal(lines[1], "  the starter 0.7× → your code 0.95×: better");
});

test("compare words the change by direction", () => {
  assert.equal(compare(200, 100, { unit: "ms", better: "lower" }), "2× lower, better");
  assert.equal(compare(100, 200, { unit: "ms", better: "lower" }), "2× higher, worse");
  assert.equal(compare(5, 0, { unit: "requests", better: "lower" }), "better");
  assert.equal(compare(3, 3, { unit: "requests", better: "lower" }), "unchanged");
  assert.equal(compare(100, 102, { unit: "ms", better: "lower" }), "about the same (worse by under 5%)");
});

test("a name that already says median is not told twice", () => {
  const lines = benchReport(results({ starter: [[fig("app: page 1, median", 600, "ms")]], yours: [[fig("app: page 1, median", 450, "ms")]] }));
  assert.equal(lines[0], "app: page 1, median (lower is better):");
});

test("one variant only: no comparison column", () => {
  const lines = benchReport(results({ yours: [lab05(20, 1.2, 0, 1.2)] }));
  assert.equal(lines[1], "  your code 20 keys");
  assert.ok(lines.every((l) => !/against/.test(l)));
});
