import { spawnTied } from "../lifecycle.ts";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface TestResult {
  name: string;
  file?: string;
  status: "pass" | "fail" | "skip";
  error?: string;
  ms?: number;
}

/** A test, suite or whole test file starting or ending, as the run goes (kit/runner/reporter.ts). */
export interface RunEvent {
  kind: "start" | "end";
  name: string;
  file?: string;
  nesting?: number;
  /** The event is about a whole test file, not one test in it. */
  wholeFile?: boolean;
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  results: TestResult[];
  /** What the tests printed, for --verbose and for diagnosing a crash. */
  output: string;
  exitCode: number | null;
}

const reporterPath = fileURLToPath(new URL("./reporter.ts", import.meta.url));

export interface RunOptions {
  /** The lab folder whose test/ folder to run (the learner's, or a scratch copy). */
  labDir: string;
  /** Test files relative to labDir, in the order to give them to node --test; default: every test/**\/*.test.ts. */
  files?: readonly string[];
  env: Record<string, string>;
  /** Called for each finished test, for live output. */
  onResult?: (result: TestResult) => void;
  /** Called as tests start and end, for the live status line. */
  onEvent?: (event: RunEvent) => void;
  /** Per-test timeout; a hung test must not hang the learner's terminal. */
  testTimeoutMs?: number;
}

/**
 * The environment for the test child. NODE_TEST_CONTEXT is dropped: when the kit itself runs under
 * node:test, an inherited value makes the child report to a parent runner instead of to our reporter.
 */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _inherited, ...env } = process.env;
  return { ...env, ...extra, FORCE_COLOR: "0" };
}

/** Run a lab's node:test suite in a child process and collect one result per test. */
export function runLabTests(options: RunOptions): Promise<RunSummary> {
  const targets = options.files?.length ? options.files.map((file) => path.join(options.labDir, file)) : [path.join(options.labDir, "test", "**", "*.test.ts")];
  const child = spawnTied(
    process.execPath,
    // --test-force-exit: a learner's code that leaves a handle open (a Redis client, a timer) must
    // not hang `lab test` after the last test; the tests that care whether a process exits by
    // itself check it through the kit's stop().
    ["--test", "--test-force-exit", `--test-reporter=${reporterPath}`, `--test-timeout=${options.testTimeoutMs ?? 120_000}`, ...targets],
    { cwd: options.labDir, env: childEnv(options.env), stdio: ["ignore", "pipe", "pipe"] },
  );
  const summary: RunSummary = { passed: 0, failed: 0, skipped: 0, results: [], output: "", exitCode: null };
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => {
    let event: { kind: string; name?: string; file?: string; error?: string; ms?: number; text?: string; nesting?: number; wholeFile?: boolean };
    try {
      event = JSON.parse(line);
    } catch {
      summary.output += `${line}\n`;
      return;
    }
    if (event.kind === "output") {
      summary.output += event.text ?? "";
      return;
    }
    if (event.kind === "start" || event.kind === "end") {
      options.onEvent?.({ kind: event.kind, name: event.name ?? "", ...(event.file ? { file: event.file } : {}), ...(event.nesting !== undefined ? { nesting: event.nesting } : {}), ...(event.wholeFile ? { wholeFile: true } : {}) });
      return;
    }
    const status = event.kind as TestResult["status"];
    const result: TestResult = { name: event.name ?? "(unnamed test)", status, ...(event.file ? { file: event.file } : {}), ...(event.error ? { error: event.error } : {}), ...(event.ms !== undefined ? { ms: event.ms } : {}) };
    summary.results.push(result);
    if (status === "pass") summary.passed++;
    else if (status === "fail") summary.failed++;
    else summary.skipped++;
    options.onResult?.(result);
  });
  child.stderr!.on("data", (chunk: Buffer) => (summary.output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      summary.exitCode = code;
      // A run that crashed before reporting any test still failed.
      if (code !== 0 && summary.failed === 0) {
        summary.failed = 1;
        summary.results.push({ name: "the test run itself", status: "fail", error: `node --test exited with code ${code} before reporting a failure. Output:\n${summary.output.slice(-2000)}` });
      }
      resolve(summary);
    });
  });
}
