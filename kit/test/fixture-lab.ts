import { spawnSync } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTwoFilesPatch } from "diff";

/**
 * A throw-away workbook with one tiny lab that needs no services, for the contract check's own tests.
 * It lives inside the repository's scratch area so "#kit/..." imports and node_modules resolve, and the
 * CLI works on it through WORKBOOK_ROOT.
 *
 * The lab: src/calc.ts with two steps, sum (TODO(1)) and product (TODO(2)), each with its own test file.
 */
const repo = fileURLToPath(new URL("../..", import.meta.url));
const cli = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
export const labId = "01-fixture";

export const starterCalc = `// The learner finishes both functions.

// TODO(1): return the sum of the two numbers.
export function sum(a: number, b: number): number {
  return 0;
}

// TODO(2): return the product of the two numbers.
export function product(a: number, b: number): number {
  return 0;
}
`;

export const solvedCalc = `// The learner finishes both functions.

export function sum(a: number, b: number): number {
  const total = a + b; // both operands, left to right
  return total;
}

export function product(a: number, b: number): number {
  const result = a * b; // multiply, never add
  return result;
}
`;

/** Solution lines the leak rule must find (at least 25 characters once trimmed). */
export const sumLine = "const total = a + b; // both operands, left to right";
export const productLine = "const result = a * b; // multiply, never add";

const readme = (extra = "") => `# A fixture lab

## Goal
Finish sum and product.

## Why it matters at scale
It does not; it is a fixture.

## Your task
1. sum returns the sum.
2. product returns the product.
${extra}
## How to run
npm run lab -- test 1

## Done when
Both test files pass.

## Measure it
Nothing to measure.

## Going further
Nothing.

## Further reading
Nothing.
`;

const sumTest = `import assert from "node:assert/strict";
import { test } from "node:test";
import { sum } from "../src/calc.ts";

test("sum adds two numbers", () => assert.equal(sum(2, 3), 5));
test("sum handles negatives", () => assert.equal(sum(-2, 7), 5));
`;

const productTest = `import assert from "node:assert/strict";
import { test } from "node:test";
import { product } from "../src/calc.ts";

test("product multiplies two numbers", () => assert.equal(product(2, 3), 6));
`;

export interface Step {
  title: string;
  tests: string[];
  hints: string[];
}

export const defaultSteps = (): Step[] => [
  { title: "Sum", tests: ["test/sum.test.ts"], hints: ["Think about addition.", "Use the + operator on both parameters."] },
  { title: "Product", tests: ["test/product.test.ts"], hints: ["Think about multiplication.", "Use the * operator on both parameters."] },
];

export interface FixtureOptions {
  /** Steps with hint ladders; defaultSteps() when not given. */
  steps?: Step[];
  readmeExtra?: string;
  /** Stored wrong solutions: file name -> patch text. */
  wrong?: Record<string, string>;
  starter?: string;
  /** More files in the lab folder: relative path -> content. */
  extraFiles?: Record<string, string>;
  /** The lab's lesson page (site/src/content/docs/lessons/fixture.mdx); none when not given. */
  lesson?: string;
  /** The services in lab.json; none when not given. */
  services?: string[];
  /** More lab.json fields, or fields that replace the fixture's (capstone, estimatedMinutes...). */
  manifest?: Record<string, unknown>;
  /** More files in the solution folder: relative path -> content. */
  solutionFiles?: Record<string, string>;
}

const made: string[] = [];

export async function removeFixtures(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Write a fixture workbook and return its root. */
export async function fixtureWorkbook(options: FixtureOptions = {}): Promise<string> {
  const root = path.join(repo, ".workbook", "scratch", `fixture-${process.pid}-${made.length}-${Date.now().toString(36)}`);
  made.push(root);
  const lab = path.join(root, "labs", labId);
  const solution = path.join(root, "solutions", labId);
  const manifest: Record<string, unknown> = {
    id: labId,
    title: "A fixture lab",
    order: 1,
    lesson: "fixture",
    summary: "Finish two small functions; used by the kit's own tests.",
    services: options.services ?? [],
    files: ["src/calc.ts"],
    steps: options.steps ?? defaultSteps(),
    estimatedMinutes: 5,
    ...options.manifest,
  };
  const files: [string, string][] = [
    [path.join(lab, "lab.json"), `${JSON.stringify(manifest, null, 2)}\n`],
    [path.join(lab, "README.md"), readme(options.readmeExtra)],
    [path.join(lab, "bench.ts"), "export default async () => [];\n"],
    [path.join(lab, "src/calc.ts"), options.starter ?? starterCalc],
    [path.join(lab, "test/sum.test.ts"), sumTest],
    [path.join(lab, "test/product.test.ts"), productTest],
    [path.join(solution, "src/calc.ts"), solvedCalc],
    ...(options.lesson === undefined ? [] : [[path.join(root, "site", "src", "content", "docs", "lessons", "fixture.mdx"), options.lesson] as [string, string]]),
    ...Object.entries(options.extraFiles ?? {}).map(([name, text]): [string, string] => [path.join(lab, name), text]),
    ...Object.entries(options.solutionFiles ?? {}).map(([name, text]): [string, string] => [path.join(solution, name), text]),
    ...Object.entries(options.wrong ?? {}).map(([name, text]): [string, string] => [path.join(solution, "wrong", name), text]),
  ];
  for (const [file, text] of files) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return root;
}

/** A stored wrong solution: the three header lines and a unified diff of src/calc.ts from the solution to `after`. */
export function wrongPatch(header: { wrong?: string; breaks?: string; caughtBy?: string }, after: string, file = "src/calc.ts", before = solvedCalc): string {
  const diff = createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, { context: 3 });
  const body = diff.slice(diff.indexOf("--- "));
  const lines = [
    ...(header.wrong === undefined ? [] : [`# wrong: ${header.wrong}`]),
    ...(header.breaks === undefined ? [] : [`# breaks: ${header.breaks}`]),
    ...(header.caughtBy === undefined ? [] : [`# caught-by: ${header.caughtBy}`]),
  ];
  return `${lines.join("\n")}\n${body.replace(/^(---|\+\+\+) (\S+)\t.*$/gm, "$1 $2")}`;
}

/** Run the lab CLI on a fixture workbook. */
export function labCli(root: string, args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, WORKBOOK_ROOT: root, NO_COLOR: "1", ...env }, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

export async function readLabFile(root: string, file: string): Promise<string> {
  return readFile(path.join(root, "labs", labId, file), "utf8");
}
