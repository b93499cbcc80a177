import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { spawnTied } from "../lifecycle.ts";
import { describeProcess, killNow, stopGracefully, type Exit, type StopOptions } from "./stop.ts";

export interface ProcessOptions {
  /** The entry file to run with `node`, e.g. new URL("../src/worker.ts", import.meta.url). */
  entry: string | URL;
  env?: Record<string, string>;
  /** Resolve once the output matches this (e.g. /worker ready/); without it, resolve once spawned. */
  readyPattern?: RegExp;
  readyTimeoutMs?: number;
  /** How failures name it, e.g. "worker 1" (default "process"). */
  name?: string;
}

export interface RunningProcess {
  readonly child: ChildProcess;
  output(): string;
  signal(signal: NodeJS.Signals): void;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * SIGTERM, then require the process to exit by itself within the deadline (default 5 s) with code 0 (or by
   * the SIGTERM itself when it has no handler). Otherwise it is killed and stop() REJECTS naming the process.
   */
  stop(options?: StopOptions): Promise<void>;
  /** SIGKILL and wait for the exit, with no assertion: for tests that mean to kill. */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the output matches `pattern` (checks what was already written too). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Start a long-running process that has no port, such as a queue worker. */
export async function startProcess(options: ProcessOptions): Promise<RunningProcess> {
  const entry = typeof options.entry === "string" ? options.entry : fileURLToPath(options.entry);
  const child = spawnTied(process.execPath, [entry], { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    log += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exit = new Promise<Exit>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      for (const listener of listeners) listener();
    }),
  );
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  void exit.then(() => process.removeListener("exit", kill));

  const waitFor = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(log)) return finish();
        if (child.exitCode !== null || child.signalCode !== null) {
          finish(new Error(`${entry} exited (code ${child.exitCode}) before printing ${pattern}. Its output:\n${log}`));
        }
      };
      const timer = setTimeout(() => finish(new Error(`${entry} did not print ${pattern} within ${timeoutMs} ms. Its output:\n${log}`)), timeoutMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      listeners.add(check);
      check();
    });

  if (options.readyPattern) await waitFor(options.readyPattern, options.readyTimeoutMs);
  return {
    child,
    output: () => log,
    signal: (signal) => void child.kill(signal),
    exited: () => exit,
    stop: (stopOptions) => stopGracefully(child, exit, () => describeProcess(options.name ?? "process", entry, child.pid), () => log, stopOptions),
    kill: () => killNow(child, exit),
    waitFor,
  };
}
