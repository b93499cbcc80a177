import { execFile } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Lab } from "../labs.ts";
import type { TestResult } from "../runner/run-tests.ts";
import { copyLab } from "../scratch.ts";
import type { ServicePool } from "../services/pool.ts";
import { runTestFiles } from "./run-files.ts";

const run = promisify(execFile);

/** The folder of stored wrong solutions inside a lab's solution folder (formats.md §2). */
export const wrongFolder = "wrong";

export interface WrongHeader {
  wrong: string;
  breaks: string;
  /** The test file, e.g. "test/sessions.test.ts". */
  caughtBy: string;
  /** The test in that file that catches it, when the header names one ("test/x.test.ts › its name"). */
  test?: string;
}

export interface WrongOutcome {
  /** e.g. "wrong/ttl-in-ms.patch" */
  name: string;
  rejected: boolean;
  /** For a rejection, the first failing test; for a breach, what is wrong. */
  detail: string;
  ms: number;
}

/** Where a lab's wrong solutions are: how many are done, and which run now. */
export interface WrongProgress {
  done: number;
  total: number;
  running: string[];
}

/** A file's named tests, run alone over the solved lab. */
export interface AloneOutcome {
  file: string;
  ok: boolean;
  detail: string;
  ms: number;
}

export interface WrongReport {
  total: number;
  rejected: number;
  outcomes: WrongOutcome[];
  alone: AloneOutcome[];
  ms: number;
}

const headerLines: [keyof WrongHeader, RegExp][] = [
  ["wrong", /^# wrong: (\S.*)$/],
  ["breaks", /^# breaks: (\S.*)$/],
  ["caughtBy", /^# caught-by: (\S.*)$/],
];

/** Parse the three header lines a stored wrong solution starts with; returns the header or what is wrong with it. */
export function parseWrongHeader(text: string): WrongHeader | string {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const header: Partial<WrongHeader> = {};
  for (const [i, [key, pattern]] of headerLines.entries()) {
    const line = lines[i] ?? "";
    const match = pattern.exec(line.trimEnd());
    if (!match) {
      const label = key === "caughtBy" ? "caught-by" : key;
      return `header line ${i + 1} must be "# ${label}: <one line>" (got ${line ? JSON.stringify(line.slice(0, 60)) : "nothing"})`;
    }
    header[key] = match[1]!.trim();
  }
  const next = lines[3] ?? "";
  if (!/^(--- |diff )/.test(next)) return `line 4 must start the diff ("--- a/..." or "diff --git ..."), after exactly three header lines (got ${JSON.stringify(next.slice(0, 60))})`;
  const [file, test] = splitCaughtBy(header.caughtBy!);
  if (!/^test\/[\w./-]+\.test\.ts$/.test(file) || file.includes("..")) {
    return `caught-by must name one test file as test/<file>.test.ts, optionally followed by " › <test name>" (got "${header.caughtBy}")`;
  }
  return { wrong: header.wrong!, breaks: header.breaks!, caughtBy: file, ...(test ? { test } : {}) };
}

/** The separator between the file and the test's name in a caught-by line. */
export const testSeparator = " › ";

function splitCaughtBy(value: string): [string, string | undefined] {
  const at = value.indexOf(testSeparator);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + testSeparator.length).trim() || undefined];
}

/** A --test-name-pattern that matches exactly one test name. */
export const exactNamePattern = (name: string) => `^${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`;

/** The stored wrong solutions of a lab, as paths relative to its solution folder ("wrong/x.patch"), sorted. */
export async function listWrongSolutions(lab: Lab): Promise<string[]> {
  const names = await readdir(path.join(lab.solutionDir, wrongFolder)).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(".patch")).sort().map((n) => `${wrongFolder}/${n}`);
}

/** Files a patch touches, relative to the lab folder, as `git apply` reads them (paths after a/ and b/). */
export async function touchedFiles(patchFile: string, cwd: string): Promise<string[]> {
  const { stdout } = await git(["apply", "--numstat", "-z", patchFile], cwd);
  // -z: "added\tdeleted\tpath\0", or for a rename "added\tdeleted\t\0from\0to\0".
  const fields = stdout.split("\0");
  const files: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (!field) continue;
    const parts = field.split("\t");
    if (parts.length < 3) continue;
    if (parts[2]) files.push(parts[2]);
    else {
      files.push(fields[i + 1]!, fields[i + 2]!);
      i += 2;
    }
  }
  return [...new Set(files.filter(Boolean))];
}

/** git outside any repository: the scratch copies live inside the workbook's own git tree. */
function git(args: string[], cwd: string) {
  return run("git", args, { cwd, env: { ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(cwd) }, maxBuffer: 16 * 1024 * 1024 });
}

const firstLine = (text: string) => (text.split("\n").find((l) => l.trim()) ?? "").trim().slice(0, 200);

/**
 * Apply every stored wrong solution over a scratch copy of the solved lab, run only the test file its header
 * names (the test it names first, when it names one), and require that file to fail. `jobs` scratch copies run side by side; each is restored from the
 * solution after every patch instead of being copied again.
 */
export async function checkWrongSolutions(
  lab: Lab,
  pool: ServicePool,
  scratchDir: string,
  jobs = 2,
  onProgress?: (progress: WrongProgress) => void,
  solved?: SolvedRun,
): Promise<WrongReport> {
  const started = performance.now();
  const names = await listWrongSolutions(lab);
  const outcomes: WrongOutcome[] = new Array(names.length);
  // A header's test rejects its patch on its own only if it passes on its own over the solution: the named
  // tests of each file run alone over the solved lab first, in the same job slots. A file whose every test is
  // named needs no such run: running its named tests is running the file, which the solved run already did.
  const alone = await namedTestsByFile(lab, names);
  const aloneOutcomes: AloneOutcome[] = [];
  for (const [file, tests] of alone) {
    const whole = solved ? testsOfFile(solved, file) : [];
    if (whole.length > 0 && whole.every((r) => r.status === "pass" && tests.has(r.name)) && new Set(whole.map((r) => r.name)).size === tests.size) {
      aloneOutcomes.push({ file, ok: true, detail: `every test of the file is named (${tests.size}); the solved lab's run of the whole file passed them`, ms: 0 });
      alone.delete(file);
    }
  }
  type Task = { name: string; index: number } | { file: string; tests: string[] };
  const queue: Task[] = [...[...alone].map(([file, tests]) => ({ file, tests: [...tests] })), ...names.map((name, index) => ({ name, index }))];
  const running = new Set<string>();
  let done = 0;
  const report = () => onProgress?.({ done, total: names.length, running: [...running] });
  const workers = Math.max(1, Math.min(jobs, queue.length));
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const dir = await copyLab(lab, path.join(scratchDir, `wrong-${w + 1}`), true);
      for (let item = queue.shift(); item; item = queue.shift()) {
        const t0 = performance.now();
        const label = "name" in item ? item.name : `${item.file}, its named tests alone`;
        running.add(label);
        report();
        if ("name" in item) {
          const outcome = await tryWrongSolution(lab, pool, dir, item.name);
          outcomes[item.index] = { name: item.name, ...outcome, ms: performance.now() - t0 };
          done++;
        } else {
          aloneOutcomes.push({ file: item.file, ...(await runNamedAlone(lab, pool, dir, item.file, item.tests)), ms: performance.now() - t0 });
        }
        running.delete(label);
        report();
      }
    }),
  );
  aloneOutcomes.sort((a, b) => a.file.localeCompare(b.file));
  return { total: names.length, rejected: outcomes.filter((o) => o.rejected).length, outcomes, alone: aloneOutcomes, ms: performance.now() - started };
}

/** The solved lab's run of every test file: where it ran, and each test's result. */
export interface SolvedRun {
  dir: string;
  results: TestResult[];
}

/** The tests of one file (relative to the lab folder, "test/x.test.ts") in the solved lab's run. */
function testsOfFile(solved: SolvedRun, file: string): TestResult[] {
  const relative = (f: string) => (path.isAbsolute(f) ? path.relative(solved.dir, f) : f).split(path.sep).join("/");
  return solved.results.filter((r) => r.file !== undefined && relative(r.file) === file);
}

/** The tests the headers name, by file (headers that do not parse are reported by their own run). */
async function namedTestsByFile(lab: Lab, names: string[]): Promise<Map<string, Set<string>>> {
  const byFile = new Map<string, Set<string>>();
  for (const name of names) {
    const header = parseWrongHeader(await readFile(path.join(lab.solutionDir, name), "utf8"));
    if (typeof header === "string" || !header.test) continue;
    if (!byFile.has(header.caughtBy)) byFile.set(header.caughtBy, new Set());
    byFile.get(header.caughtBy)!.add(header.test);
  }
  return byFile;
}

/** Run a file's named tests, and only those, over the solved lab: each must exist and pass. */
async function runNamedAlone(lab: Lab, pool: ServicePool, dir: string, file: string, tests: string[]): Promise<{ ok: boolean; detail: string }> {
  const exists = await stat(path.join(dir, file)).then((s) => s.isFile()).catch(() => false);
  if (!exists) return { ok: true, detail: "no such file (the patches that name it say so)" };
  const run = await runTestFiles({ labDir: dir, files: [file], env: await pool.envFor(lab.manifest.services), testTimeoutMs: 60_000, forceExit: true, namePattern: tests.map((t) => `(?:${exactNamePattern(t)})`).join("|") });
  const failed = run.results.filter((r) => r.status === "fail");
  if (failed.length > 0) {
    const names = failed.map((r) => r.name).join("; ");
    return { ok: false, detail: `fails alone over the solution, so it cannot be trusted to reject a patch by itself: ${names}: ${(failed[0]!.error ?? "").split("\n")[0]}` };
  }
  // Tests the file no longer has are not an error here: the patches that name them fall back to the whole file.
  const ran = tests.filter((t) => run.results.some((r) => r.name === t && r.status === "pass")).length;
  return { ok: true, detail: `${ran} of ${tests.length} named test(s) pass alone over the solution` };
}

async function tryWrongSolution(lab: Lab, pool: ServicePool, dir: string, name: string): Promise<{ rejected: boolean; detail: string }> {
  const patchFile = path.join(lab.solutionDir, name);
  const breach = (detail: string) => ({ rejected: false, detail });
  const header = parseWrongHeader(await readFile(patchFile, "utf8"));
  if (typeof header === "string") return breach(header);
  const exists = await stat(path.join(dir, header.caughtBy)).then((s) => s.isFile()).catch(() => false);
  if (!exists) return breach(`caught-by names ${header.caughtBy}, which does not exist`);
  let touched: string[];
  try {
    touched = await touchedFiles(patchFile, dir);
  } catch (error) {
    return breach(`not a patch git apply can read: ${firstLine((error as { stderr?: string }).stderr ?? (error as Error).message)}`);
  }
  if (touched.length === 0) return breach("the patch changes no file");
  const allowed = new Set(lab.manifest.files);
  const outside = touched.filter((f) => !allowed.has(f));
  if (outside.length > 0) return breach(`touches ${outside.join(", ")}, which the learner does not edit (lab.json files: ${lab.manifest.files.join(", ")})`);
  try {
    await git(["apply", patchFile], dir);
  } catch (error) {
    return breach(`does not apply over the solution: ${firstLine((error as { stderr?: string }).stderr ?? (error as Error).message)}`);
  }
  try {
    const env = await pool.envFor(lab.manifest.services);
    const runFile = (namePattern?: string) =>
      runTestFiles({ labDir: dir, files: [header.caughtBy], env, testTimeoutMs: 60_000, forceExit: true, stopAtFirstFailure: true, ...(namePattern ? { namePattern } : {}) });
    const caught = (result: Awaited<ReturnType<typeof runTestFiles>>, note = "") => {
      const first = result.results.find((r) => r.status === "fail");
      return { rejected: true, detail: `${header.caughtBy} fails: ${first?.name ?? "?"}${note}` };
    };
    // The header's test alone first: the tests before it in the file (a load test, say) would only add time.
    // Any failure rejects the patch, so the whole file is the fallback when that test passes or is gone.
    let note = "";
    if (header.test) {
      const alone = await runFile(exactNamePattern(header.test));
      if (alone.failed > 0) return caught(alone);
      // A pattern that matches nothing still reports the file itself as passing, so look for the test by name.
      const found = alone.results.some((r) => r.name === header.test);
      note = !found ? ` (the header names "${header.test}", which the file does not have)` : ` (the header names "${header.test}", which passes alone)`;
    }
    const result = await runFile();
    if (result.failed > 0) return caught(result, note);
    if (result.passed === 0) return breach(`${header.caughtBy} ran no test`);
    return breach(`${header.caughtBy} passes (${result.passed} test${result.passed === 1 ? "" : "s"}): this wrong solution is not caught (${header.wrong})`);
  } finally {
    await restoreSolution(lab, dir);
  }
}

/** Put the solved versions of the files the learner edits back into a scratch copy. */
async function restoreSolution(lab: Lab, dir: string): Promise<void> {
  for (const file of lab.manifest.files) {
    const source = path.join(lab.solutionDir, file);
    const target = path.join(dir, file);
    if (await stat(source).then(() => true, () => false)) {
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(source, target);
    }
    else await rm(target, { force: true });
  }
}
