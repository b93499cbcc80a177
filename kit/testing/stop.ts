import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface StopOptions {
  /** How long the process has to exit by itself after SIGTERM (default 5000 ms). */
  timeoutMs?: number;
  /**
   * The exit code a clean stop must end with (default 0). With the default, a process that has no SIGTERM
   * handler and so ends by the signal itself also counts as clean; with an explicit code it must exit with it.
   */
  expectCode?: number;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export const defaultStopTimeoutMs = 5000;

const repo = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** "instance 2 (labs/08-graceful-shutdown/src/server.ts, pid 1234)": who a failure is about. */
export function describeProcess(name: string, entry: string, pid: number | undefined): string {
  const relative = path.relative(repo, entry);
  const shown = relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative.split(path.sep).join("/") : entry;
  return `${name} (${shown}, pid ${pid ?? "?"})`;
}

const tail = (output: string) => {
  const text = output.trimEnd();
  return text ? `\nIts last output:\n${text.slice(-1500)}` : "";
};

/**
 * Ask a process to stop (SIGTERM) and require it to exit by itself within the deadline, with the expected
 * code. If it does not, it is killed (SIGKILL) and the returned promise rejects with a message naming it.
 * A process that had already exited (a test drove it there) resolves at once: its test checks how it ended.
 */
export async function stopGracefully(child: ChildProcess, exit: Promise<Exit>, who: () => string, output: () => string, options: StopOptions = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timeoutMs = options.timeoutMs ?? defaultStopTimeoutMs;
  const name = who();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
  child.kill("SIGTERM");
  const outcome = await Promise.race([exit, deadline]);
  clearTimeout(timer);
  if (outcome === "late") {
    child.kill("SIGKILL");
    await exit;
    throw new Error(`${name} did not exit within ${timeoutMs} ms of SIGTERM; killed it.${tail(output())}`);
  }
  const expected = options.expectCode ?? 0;
  if (outcome.code === expected) return;
  if (options.expectCode === undefined && outcome.signal === "SIGTERM") return;
  const how = outcome.code !== null ? `with code ${outcome.code}` : `by signal ${outcome.signal}`;
  throw new Error(`${name} exited ${how} after SIGTERM; expected code ${expected}.${tail(output())}`);
}

/** Kill a process outright (SIGKILL) and wait for it to be gone; for tests that mean to kill. */
export async function killNow(child: ChildProcess, exit: Promise<Exit>): Promise<Exit> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  return exit;
}
