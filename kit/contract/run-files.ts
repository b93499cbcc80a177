import { spawnTied } from "../lifecycle.ts";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { RunSummary, TestResult } from "../runner/run-tests.ts";

const reporterPath = fileURLToPath(new URL("../runner/reporter.ts", import.meta.url));

export interface FileRunOptions {
  /** The lab folder (a scratch copy) the files belong to; the tests run with it as their working directory. */
  labDir: string;
  /** Test files relative to labDir, e.g. ["test/sessions.test.ts"]. */
  files: string[];
  env: Record<string, string>;
  /** Per-test timeout handed to node --test. */
  testTimeoutMs?: number;
  /** The whole run is killed after this long and counted as failed: a hung wrong solution must not hang check. */
  runTimeoutMs?: number;
  /**
   * node --test-force-exit: a test file ends once its tests have, even if something it started keeps its event
   * loop alive (a wrong solution whose close() hangs makes an after hook fail before its other cleanup runs).
   */
  forceExit?: boolean;
  /**
   * End the run at the first failing test (a wrong solution is rejected by that alone): the rest of the file
   * would only add time. Only a test's own failure stops it; a run that cannot start still ends as before.
   */
  stopAtFirstFailure?: boolean;
  /** Run only the tests whose names match (node --test-name-pattern); the hooks around them still run. */
  namePattern?: string;
}

/**
 * The process groups of the runs in flight. A run has its own group (so it can be killed whole), which also
 * keeps a Ctrl-C in the terminal from reaching it: a signal that ends `check` ends them here, then ends
 * `check` as it would have.
 */
const groups = new Set<number>();
const endSignals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const onEndSignal = (signal: NodeJS.Signals) => {
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  for (const name of endSignals) process.removeListener(name, onEndSignal);
  process.kill(process.pid, signal);
};
function track(pid: number | undefined): () => void {
  if (pid === undefined) return () => {};
  if (groups.size === 0) for (const name of endSignals) process.on(name, onEndSignal);
  groups.add(pid);
  return () => {
    groups.delete(pid);
    if (groups.size === 0) for (const name of endSignals) process.removeListener(name, onEndSignal);
  };
}

/**
 * Run some test files of a lab with the kit's reporter and collect one result per test, with its file. The contract check runs everything through this: the starter and the solved lab (every
 * file, in step order) and each stored wrong solution (the one file its header names). Unlike the runner's
 * runLabTests it has a cap on the whole run, so a test file that never ends cannot hang check or CI.
 */
export function runTestFiles(options: FileRunOptions): Promise<RunSummary> {
  const { NODE_TEST_CONTEXT: _inherited, ...inherited } = process.env;
  // In its own process group, so that stopping the run ends the file processes node --test started and the
  // servers they started with it, not only the runner.
  const child = spawnTied(
    process.execPath,
    ["--test", ...(options.forceExit ? ["--test-force-exit"] : []), `--test-reporter=${reporterPath}`, `--test-timeout=${options.testTimeoutMs ?? 120_000}`, ...(options.namePattern ? [`--test-name-pattern=${options.namePattern}`] : []), ...options.files],
    { cwd: options.labDir, env: { ...inherited, ...options.env, FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const summary: RunSummary = { passed: 0, failed: 0, skipped: 0, results: [], output: "", exitCode: null };
  let timedOut = false;
  let stoppedEarly = false;
  const runTimeoutMs = options.runTimeoutMs ?? 300_000;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  // SIGTERM lets node --test end the file processes it started; SIGKILL to the whole group if even that hangs.
  const stopRun = () => {
    signalGroup("SIGTERM");
    setTimeout(() => signalGroup("SIGKILL"), 5000).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stopRun();
  }, runTimeoutMs);
  const atExit = () => signalGroup("SIGKILL");
  process.once("exit", atExit);
  const untrack = track(child.pid);

  createInterface({ input: child.stdout! }).on("line", (line) => {
    let event: { kind: string; name?: string; file?: string; error?: string; ms?: number; text?: string };
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
    // Tests starting and ending: only the live line of `lab test` follows them.
    if (event.kind === "start" || event.kind === "end") return;
    const status = event.kind as TestResult["status"];
    // As the runner reports it (absolute), so kit/runner/steps.ts maps it to a step like any other run.
    const file = event.file;
    summary.results.push({ name: event.name ?? "(unnamed test)", status, ...(file ? { file } : {}), ...(event.error ? { error: event.error } : {}), ...(event.ms !== undefined ? { ms: event.ms } : {}) });
    if (status === "pass") summary.passed++;
    else if (status === "fail") summary.failed++;
    else summary.skipped++;
    if (status === "fail" && options.stopAtFirstFailure && !stoppedEarly) {
      // The outcome is known; nothing in the run needs a clean stop, so the whole group goes at once.
      stoppedEarly = true;
      clearTimeout(timer);
      signalGroup("SIGKILL");
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (summary.output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", (error) => {
      clearTimeout(timer);
      process.removeListener("exit", atExit);
      untrack();
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      process.removeListener("exit", atExit);
      untrack();
      // A file process of the run that outlived the runner (it ignored the SIGTERM) goes with its group.
      signalGroup("SIGKILL");
      summary.exitCode = code;
      if (stoppedEarly) {
        // Killed on purpose after a real failure: that failure is the result.
      } else if (timedOut) {
        summary.failed++;
        summary.results.push({ name: "the test run itself", status: "fail", error: `did not finish within ${runTimeoutMs / 1000} s; killed it` });
      } else if (code !== 0 && summary.failed === 0) {
        // A run that crashed before reporting any test still failed.
        summary.failed = 1;
        summary.results.push({ name: "the test run itself", status: "fail", error: `node --test exited with code ${code} before reporting a failure. Output:\n${summary.output.slice(-2000)}` });
      }
      resolve(summary);
    });
  });
}
