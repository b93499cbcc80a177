// Every process the kit starts dies with its parent, even a parent killed with SIGKILL (which runs no
// exit handler): a parent starts Redis, a Redis Cluster, HAProxy, Varnish, Prometheus, PostgreSQL, PgBouncer, an app instance and a worker through the
// kit; the test lists the parent's whole process tree by pid, SIGKILLs the parent and requires every
// one of those pids to be gone. And `lab start`, run as `npm run lab` does (a shell, the bootstrap,
// the CLI), stops everything when only the outermost process gets SIGTERM.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { findSetpriv, spawnTied } from "../lifecycle.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const linux = process.platform === "linux" ? false : "parent-death signals are Linux-only (macOS: exit handlers only)";
const noSetpriv = !linux && !findSetpriv() ? "no setpriv (util-linux) on this machine" : false;

/** pid -> [parent pid, start time]: the start time tells a live process from a new one that reused its pid. */
function processTable(): Map<number, { ppid: number; start: string }> {
  const table = new Map<number, { ppid: number; start: string }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]!.split(" ");
      table.set(Number(name), { ppid: Number(fields[1]), start: fields[19]! });
    } catch {
      // It ended while we read.
    }
  }
  return table;
}

/** Every descendant of `pid`, with its start time. */
function descendants(pid: number): Map<number, string> {
  const table = processTable();
  const found = new Map<number, string>();
  const visit = (parent: number) => {
    for (const [child, info] of table) {
      if (info.ppid === parent && !found.has(child)) {
        found.set(child, info.start);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

const survivors = (tree: Map<number, string>) => {
  const table = processTable();
  return [...tree].filter(([pid, start]) => table.get(pid)?.start === start).map(([pid]) => pid);
};

const commandOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "?";
  }
};

/** Wait until `done()` or the child exits or the deadline passes (the deadline only names a failure). */
async function until(done: () => boolean, child: ChildProcess, what: string, output: () => string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Poll until no pid of `tree` is alive; returns the ones still alive when the grace period ends. */
async function waitGone(tree: Map<number, string>, ms = 15_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = survivors(tree);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = survivors(tree);
  }
  return left;
}

test("a parent killed with SIGKILL leaves none of the processes the kit started for it", { skip: linux || noSetpriv }, async (t) => {
  const parent = spawn(process.execPath, [path.join(root, "kit/test/fixtures/parent-of-services.ts")], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  parent.stdout!.on("data", (chunk: Buffer) => (log += chunk));
  parent.stderr!.on("data", (chunk: Buffer) => (log += chunk));
  let tree = new Map<number, string>();
  t.after(() => {
    parent.kill("SIGKILL");
    for (const pid of survivors(tree)) process.kill(pid, "SIGKILL");
  });
  await until(() => log.includes("children started"), parent, "the children started", () => log);
  tree = descendants(parent.pid!);
  const commands = [...tree.keys()].map(commandOf);
  for (const wanted of ["redis-server", "haproxy", "varnishd", "prometheus", "bin/postgres", "pgbouncer", "echo-server.ts"]) {
    assert.ok(commands.some((c) => c.includes(wanted)), `the parent should have started ${wanted}; its children: ${commands.join(" | ")}`);
  }
  // One redis-server alone and three cluster nodes.
  assert.ok(commands.filter((c) => c.includes("redis-server")).length >= 4, `Redis and the three cluster nodes should all be listed: ${commands.join(" | ")}`);
  // varnishd runs as a manager and a cache child: both must go.
  assert.ok(commands.filter((c) => c.includes("varnishd")).length >= 2, `varnishd's manager and child should both be listed: ${commands.join(" | ")}`);
  parent.kill("SIGKILL");
  const left = await waitGone(tree);
  assert.deepEqual(left.map((pid) => `${pid} ${commandOf(pid)}`), [], "every process the kit started should die with its SIGKILLed parent");
});

test("spawnTied still reports a missing program through the child's error event", async () => {
  const child = spawnTied("no-such-program-for-the-kit", [], { stdio: "ignore" });
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => child.once("error", resolve));
  assert.equal(error.code, "ENOENT");
});

test("lab start stops everything it started when npm's shell dies of SIGTERM (the bootstrap is orphaned)", { skip: linux || noSetpriv }, async (t) => {
  // What `npm run lab -- start 01` runs: a shell (dash does not pass signals on), the bootstrap, the CLI.
  // The shell is the process npm signals; killing it alone is what `kill -TERM <npm>` comes down to.
  const shell = spawn("/bin/sh", ["-c", `node kit/bootstrap/node.cjs kit/cli/main.ts start 01; true`], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", REDIS_URL: "", MONGO_URL: "", NODE_TEST_CONTEXT: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  shell.stdout!.on("data", (chunk: Buffer) => (log += chunk));
  shell.stderr!.on("data", (chunk: Buffer) => (log += chunk));
  let tree = new Map<number, string>();
  t.after(() => {
    shell.kill("SIGKILL");
    for (const pid of survivors(tree)) process.kill(pid, "SIGKILL");
  });
  await until(() => /is running at http/.test(log), shell, "lab start running", () => log);
  tree = descendants(shell.pid!);
  assert.ok([...tree.keys()].map(commandOf).some((c) => c.includes("labs/01-")), `the lab's app should be running: ${[...tree.keys()].map(commandOf).join(" | ")}`);
  shell.kill("SIGTERM");
  const left = await waitGone(tree, 20_000);
  assert.deepEqual(left.map((pid) => `${pid} ${commandOf(pid)}`), [], `everything lab start started should stop; its output:\n${log}`);
  assert.match(log, /Stopped /, "lab start should stop its processes itself (in order), not only by the kernel's SIGKILL");
});
