import { pbkdf2Sync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after } from "node:test";
import { startInstance, type Instance } from "#kit/testing/index.ts";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An app process started through test/support/instrumented-server.ts, with its task gates. */
export interface App extends Instance {
  /** Let every task waiting on "hold:<name>" go on (or all of them, with "all"). */
  release(name: string): void;
  /** Task lines written by src/hash.ts: which thread started or ended a task, in output order. */
  tasks(): Array<{ event: "start" | "end"; thread: number }>;
  /** Worker threads the process has constructed so far, and the ones that have exited. */
  threadsCreated(): number;
  threadsExited(): number;
  /** "hash request received" lines: POST /hash requests the handler has seen. */
  received(): number;
  /** Held tasks ("hold:<name>") running on the main thread and not yet released: while there is one, the process is frozen. */
  heldOnMain(): string[];
}

const started: Array<{ app: App; gates: string }> = [];

/** Start the app with tracing and test-only faults on. `env` sets POOL_SIZE, QUEUE_MAX... */
export async function startApp(env: Record<string, string> = {}): Promise<App> {
  const gates = mkdtempSync(path.join(os.tmpdir(), "lab12-gates-"));
  const instance = await startInstance({
    entry: new URL("./support/instrumented-server.ts", import.meta.url),
    env: { HASH_ITERATIONS: "20000", CPU_LAB_TRACE: "1", CPU_LAB_FAULTS: "1", CPU_LAB_GATE_DIR: gates, ...env },
    startTimeoutMs: 30_000,
  }).catch((error: unknown) => {
    rmSync(gates, { recursive: true, force: true });
    throw error;
  });
  const lines = (prefix: string) => instance.output().split("\n").filter((line) => line.startsWith(prefix));
  const released = new Set<string>();
  const app: App = Object.assign(instance, {
    release: (name: string) => {
      released.add(name);
      writeFileSync(path.join(gates, name), "");
    },
    tasks: () =>
      lines("[task] ").flatMap((line) => {
        const match = /^\[task\] (start|end) thread=(\d+)$/.exec(line);
        return match ? [{ event: match[1] as "start" | "end", thread: Number(match[2]) }] : [];
      }),
    threadsCreated: () => lines("[thread] created").length,
    threadsExited: () => lines("[thread] exited").length,
    received: () => lines("hash request received").length,
    heldOnMain: () =>
      released.has("all")
        ? []
        : lines("[task] hold ").flatMap((line) => {
            const match = /^\[task\] hold (\S+) thread=0$/.exec(line);
            return match && !released.has(match[1]!) ? [match[1]!] : [];
          }),
  });
  started.push({ app, gates });
  // server.ts prints this line once createPool() has returned, so every worker started up front has been counted.
  await until(app, "the server's \"listening\" line", () => instance.output().includes("lab 12 listening on"));
  return app;
}

/** Why waiting on `app` is hopeless now, or undefined: it exited, or a held task freezes its main thread. */
function hopeless(app: App, what: string): string | undefined {
  if (app.child.exitCode !== null || app.child.signalCode !== null) {
    return `the app exited while the test waited for ${what}. Its output:\n${app.output()}`;
  }
  const held = app.heldOnMain();
  if (held.length > 0) {
    return (
      `a held task (hold:${held[0]}) runs on the main thread (thread 0), so the process can do nothing else until the test releases it: ` +
      `${what} cannot happen. The hashing must run on a worker thread (step 1).`
    );
  }
  return undefined;
}

/** Wait until `check()` is true. A failure names what was awaited and shows the app's output. */
export async function until(app: App, what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    const cause = hopeless(app, what);
    if (cause) throw new Error(cause);
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}, in vain. The app's output:\n${app.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Wait for `promise`, failing at once when the app has exited or is frozen by a held task on its main
 * thread. The deadline is a last resort, for a wait nothing else can end; its caller says why it needs one.
 */
export async function settled<T>(app: App, what: string, promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let done = false;
  let value: T | undefined;
  void promise.then((v) => {
    done = true;
    value = v;
  }, () => (done = true));
  const deadline = Date.now() + timeoutMs;
  while (!done) {
    const cause = hopeless(app, what);
    if (cause) throw new Error(cause);
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return value;
}

/**
 * The answer to a request whose outcome is already decided (its worker exited, its task ran): it comes at
 * once from working code, so a few seconds cover a busy machine, and a lost request fails the test then
 * instead of at the request's own 30 s timeout.
 */
export async function answeredSoon(app: App, answer: Promise<Answer>, what: string, timeoutMs = 5_000): Promise<Answer> {
  // A rejected answer (the connection closed) says more than "no answer": keep its reason.
  let closed: string | undefined;
  answer.catch((error: Error) => (closed = error.message));
  const result = await settled(app, what, answer, timeoutMs);
  if (result === undefined) {
    throw new Error(`${what} had no answer ${timeoutMs / 1000} s after its outcome was decided${closed ? ` (${closed})` : ""}: was it lost, or never answered? The app's output:\n${app.output()}`);
  }
  return result;
}

export interface Sent {
  answer: Promise<Answer>;
  /** Close the connection before the answer, as a client that gives up does. */
  abort(): void;
}

/** POST /hash on a fresh connection. */
export function hash(app: App, password: string, idleTimeoutMs = 30_000): Sent {
  let req!: http.ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    req = http.request(`${app.url}/hash`, { method: "POST", agent: false, headers: { "content-type": "application/json" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    // A request nobody answers (a task lost with its worker) fails the test instead of hanging it.
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`POST /hash ${JSON.stringify(password)} had no answer after ${idleTimeoutMs / 1000} s`)));
    req.on("error", reject);
    req.end(JSON.stringify({ password }));
  });
  // A test that failed early leaves requests behind: their late rejection is not a second failure.
  answer.catch(() => {});
  return { answer, abort: () => req.destroy() };
}

export async function get(url: string): Promise<Answer> {
  const res = await fetch(url);
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/** True when `body` is {"hash": ...} holding a real PBKDF2-SHA256 hash of `password`. */
export function isHashOf(body: string, password: string): boolean {
  const stored = (JSON.parse(body) as { hash?: unknown }).hash;
  if (typeof stored !== "string") return false;
  const [scheme, iterations, salt, key] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !/^\d+$/.test(iterations ?? "") || !salt || !key) return false;
  return pbkdf2Sync(password, Buffer.from(salt, "base64url"), Number(iterations), 32, "sha256").toString("base64url") === key;
}

/** After the file: release every held task, then every app must exit by itself on SIGTERM. */
after(async () => {
  for (const { app } of started) app.release("all");
  const stopped = await Promise.allSettled(started.map(({ app }) => app.stop({ timeoutMs: 15_000 })));
  for (const { gates } of started) rmSync(gates, { recursive: true, force: true });
  const failures = stopped.flatMap((r) => (r.status === "rejected" ? [(r.reason as Error).message] : []));
  if (failures.length > 0) throw new Error(`expected every app to exit by itself on SIGTERM:\n${failures.join("\n")}`);
});
