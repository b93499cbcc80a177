// One lifecycle for every server the kit runs privately (redis-server, haproxy, varnishd, prometheus):
// a fresh temporary directory, the binary started in the foreground through spawnTied (so it dies with
// this process, even one killed with SIGKILL), the tail of its log kept for error messages, a readiness
// probe polled until it answers, and a stop that ends the process and removes the directory.
// A backend file keeps only what is particular to its server: files, arguments and the probe.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnTied } from "../lifecycle.ts";

export interface PrivateServerSpec {
  /** How messages name the server, e.g. "varnishd". */
  name: string;
  /** The executable, as a path or a name looked up on PATH. */
  binary: string;
  /** Names the temporary directory: workbook-<dirPrefix>-XXXXXX. */
  dirPrefix: string;
  /** The directory's mode, when others must read it (varnishd's compiler runs as another user). */
  dirMode?: number;
  /** Runs with the fresh directory before the server starts: write its config, check it. A throw removes the directory. */
  prepare?(dir: string): Promise<void>;
  /** The server's arguments, given its directory. */
  args(dir: string): readonly string[];
  env?: NodeJS.ProcessEnv;
  /** True once the server answers; it may read the server's directory and log. Polled every pollMs until then. */
  ready(server: { dir: string; log(): string }): Promise<boolean>;
  /**
   * How long the server may take to answer before the start fails. Each caller says why its figure is
   * what it is; an exit before then fails the start at once, with the log's tail.
   */
  readyTimeoutMs: number;
  pollMs?: number;
  /** How many characters of the log's end to keep (default 8000). */
  logTailChars?: number;
  /** How long stop() waits after the stop signal before SIGKILL (default 3000 ms). */
  stopGraceMs?: number;
  /** The signal that asks the server to shut down (default SIGTERM; PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals;
  /**
   * Run the server as this user: its directory is handed to the user before `prepare`, and the process
   * starts with the user's ids. For servers that refuse to run as root (PostgreSQL, PgBouncer).
   */
  runAs?: UnixUser;
}

export interface UnixUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * The user to run a root-shy server as: undefined when this process is not root; as root, `preferred` (for
 * PostgreSQL, the "postgres" user Debian's package creates) if it exists, else "nobody".
 */
export function unprivilegedUser(preferred = "postgres", passwd = "/etc/passwd"): UnixUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let lines: string[] = [];
  try {
    lines = readFileSync(passwd, "utf8").split("\n");
  } catch {
    // No passwd file: fall through to the error below.
  }
  for (const name of [preferred, "nobody"]) {
    const fields = lines.find((line) => line.startsWith(`${name}:`))?.split(":");
    if (fields && fields.length >= 4) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error(`running as root, and neither a "${preferred}" nor a "nobody" user exists to run the server as`);
}

export interface PrivateServer {
  readonly dir: string;
  readonly child: ChildProcess;
  /** The end of what the server wrote to stdout and stderr. */
  log(): string;
  /** The last `lines` lines of the log, trimmed. */
  logTail(lines: number): string;
  /** The stop signal, SIGKILL after the grace period, then remove the directory. Safe to call twice. */
  stop(): Promise<void>;
  /** Let the server outlive this process's event loop (it still dies with the process). */
  unref(): void;
}

/** Why a private server did not start: it could not be spawned, it exited, or it did not answer in time. */
export class PrivateServerError extends Error {
  override name = "PrivateServerError";
  readonly reason: "spawn" | "exited" | "timeout";
  /** The last lines of the server's log (empty when it never ran). */
  readonly logTail: string;
  constructor(message: string, reason: "spawn" | "exited" | "timeout", logTail: string) {
    super(message);
    this.reason = reason;
    this.logTail = logTail;
  }
}

/** `signal` (default SIGTERM), then SIGKILL after graceMs; resolves once the process has exited. */
function stopChild(child: ChildProcess, graceMs = 3000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    // A stopped (SIGSTOP) server would not act on SIGTERM until continued.
    child.kill("SIGCONT");
    child.kill(signal);
  });
}

/**
 * Run a short command (a config check, initdb) to its end, tied to this process like a server, optionally
 * as `runAs`; resolves with its exit code (-1 when it could not be started) and everything it printed.
 */
export function runToCompletion(
  binary: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; runAs?: UnixUser } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const ids = options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {};
    const child = spawnTied(binary, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"], ...ids });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
    child.once("error", (error) => resolve({ code: -1, output: error.message }));
    child.once("close", (code) => resolve({ code, output }));
  });
}

const tailLines = (text: string, lines: number) => text.trim().split("\n").slice(-lines).join("\n");

/** Start the server the spec describes and wait until it answers; see PrivateServerSpec. */
export async function startPrivateServer(spec: PrivateServerSpec): Promise<PrivateServer> {
  const dir = await mkdtemp(path.join(tmpdir(), `workbook-${spec.dirPrefix}-`));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    if (spec.dirMode !== undefined) await chmod(dir, spec.dirMode);
    if (spec.runAs) await chown(dir, spec.runAs.uid, spec.runAs.gid);
    await spec.prepare?.(dir);
  } catch (error) {
    await removeDir();
    throw error;
  }

  const ids = spec.runAs ? { uid: spec.runAs.uid, gid: spec.runAs.gid } : {};
  const child = spawnTied(spec.binary, spec.args(dir), { env: spec.env ?? process.env, cwd: dir, stdio: ["ignore", "pipe", "pipe"], ...ids });
  // Reading both pipes also keeps a chatty server from blocking on a full one.
  const keep = spec.logTailChars ?? 8000;
  let log = "";
  const onData = (chunk: string) => {
    log = (log + chunk).slice(-keep);
  };
  child.stdout!.setEncoding("utf8").on("data", onData);
  child.stderr!.setEncoding("utf8").on("data", onData);
  let spawnError: Error | undefined;
  const spawned = await new Promise<boolean>((resolve) => {
    child.once("error", (error) => {
      spawnError = error;
      resolve(false);
    });
    child.once("spawn", () => resolve(true));
  });
  if (!spawned) {
    await removeDir();
    throw new PrivateServerError(`"${spec.binary}" could not be started (${spawnError?.message ?? "no spawn event"})`, "spawn", "");
  }

  let stopping: Promise<void> | undefined;
  const server: PrivateServer = {
    dir,
    child,
    log: () => log,
    logTail: (lines) => tailLines(log, lines),
    stop: () => (stopping ??= stopChild(child, spec.stopGraceMs, spec.stopSignal).then(removeDir)),
    unref: () => {
      child.unref();
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };

  // An exit ends the wait at once: no reason to wait out the deadline for a server that is gone.
  const exited = new Promise<"exited">((resolve) => child.once("exit", () => resolve("exited")));
  const deadline = Date.now() + spec.readyTimeoutMs;
  const pollMs = spec.pollMs ?? 50;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const how = child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode;
      await server.stop();
      throw new PrivateServerError(`${spec.name} exited (${how}) before it answered; its log ends with:\n${tailLines(log, 12)}`, "exited", tailLines(log, 12));
    }
    if (await spec.ready(server)) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new PrivateServerError(`${spec.name} did not answer within ${spec.readyTimeoutMs} ms; its log ends with:\n${tailLines(log, 12)}`, "timeout", tailLines(log, 12));
    }
    await Promise.race([new Promise((r) => setTimeout(r, pollMs)), exited]);
  }
}
