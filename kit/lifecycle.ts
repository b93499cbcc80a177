// Every process the kit starts dies with the process that started it, even when that one is killed
// with SIGKILL and runs no exit handler. On Linux the child is started through util-linux `setpriv
// --pdeathsig`, which asks the kernel (prctl PR_SET_PDEATHSIG) to signal the child when its parent
// dies, then execs the real program in the same process (same pid). Elsewhere (macOS has no
// PR_SET_PDEATHSIG, and a Linux without setpriv) the kit falls back to its exit handlers, which
// cover a normal exit, an uncaught error and a signal the parent handles, but not SIGKILL.
//
// Two things clear the parent-death signal, so callers must avoid them: a program that changes its
// user id (varnishd's default "unix" jail as root does, hence `-j none`), and a set-uid binary.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

const setprivCandidates = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv", "/sbin/setpriv"];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

let setprivPath: string | null | undefined;

/** The setpriv binary on a Linux that has one; undefined elsewhere. */
export function findSetpriv(): string | undefined {
  if (setprivPath === undefined) {
    setprivPath = process.platform === "linux" && !process.env.WORKBOOK_NO_PDEATHSIG ? (setprivCandidates.find(executable) ?? null) : null;
  }
  return setprivPath ?? undefined;
}

/** How children are tied to the kit on this machine, in one line (for `lab` output and tests). */
export function tieMethod(): string {
  return findSetpriv() ? "the kernel's parent-death signal (setpriv --pdeathsig)" : "exit handlers only (no setpriv: a SIGKILLed parent can leave children behind)";
}

/** `command` as a path to an executable (PATH searched for a bare name), or undefined when there is none. */
function resolveCommand(command: string, env: NodeJS.ProcessEnv): string | undefined {
  if (command.includes("/")) return executable(command) ? command : undefined;
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir && executable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

export interface TiedOptions extends SpawnOptions {
  /**
   * The signal the child gets when its parent dies (default SIGKILL: a server started for a test has
   * nothing to save). A process that should shut down cleanly (the CLI under the bootstrap) takes SIGTERM.
   */
  deathSignal?: "SIGKILL" | "SIGTERM";
}

/**
 * `spawn(command, args, options)`, with the child tied to this process's life where the platform
 * allows it. A command that cannot be found is spawned as it is, so the caller still sees ENOENT
 * through the child's "error" event. Also kills the child when this process exits normally.
 */
export function spawnTied(command: string, args: readonly string[], options: TiedOptions = {}): ChildProcess {
  const { deathSignal = "SIGKILL", ...spawnOptions } = options;
  const setpriv = findSetpriv();
  const resolved = setpriv ? resolveCommand(command, spawnOptions.env ?? process.env) : undefined;
  const child =
    setpriv && resolved
      ? spawn(setpriv, ["--pdeathsig", deathSignal.replace(/^SIG/, ""), "--", resolved, ...args], spawnOptions)
      : spawn(command, args, spawnOptions);
  living.add(child);
  child.once("exit", () => living.delete(child));
  if (!exitHookInstalled) {
    // One "exit" listener for every child, not one each: a test that starts a dozen instances would
    // otherwise pass Node's limit of ten listeners and print a MaxListenersExceededWarning.
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const each of living) if (each.exitCode === null && each.signalCode === null) each.kill("SIGKILL");
    });
  }
  return child;
}

/** The children spawnTied started that have not exited yet. */
const living = new Set<ChildProcess>();
let exitHookInstalled = false;
