// `npm run lab -- start NN` as a learner uses it: the CLI in its own process, a request against
// the URL it prints, then SIGINT (what Ctrl-C sends) and a check that every process and port it
// started is gone.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawnTied as spawn } from "../lifecycle.ts";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { listLabs } from "../labs.ts";
import { canConnect } from "../services/ports.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cli = path.join(root, "kit", "cli", "main.ts");

interface Session {
  child: ChildProcess;
  output(): string;
  url: string;
  exited: Promise<number | null>;
}

async function startLab(lab: string, env: Record<string, string>): Promise<Session> {
  const child = spawn(process.execPath, [cli, "start", lab], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", REDIS_URL: "", MONGO_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      // The URL comes first, then the curl lines, then this sentence: wait for the sentence, so that a
      // test never reads the examples before the last of them has arrived.
      const found = /is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (found && /Ctrl-C stops everything this command started/.test(log)) finish(undefined, found[1]!);
      else if (child.exitCode !== null) finish(new Error(`lab start ${lab} exited (${child.exitCode}) before it was running:\n${log}`));
    }, 100);
    const finish = (error?: Error, value?: string) => {
      clearInterval(timer);
      if (error) reject(error);
      else resolve(value!);
    };
  });
  return { child, output: () => log, url, exited };
}

const pids = (log: string) => [...log.matchAll(/Started the [\w ]+ \(pid (\d+)/g)].map((m) => Number(m[1]));
const ports = (log: string) => [...log.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function stopWithCtrlC(session: Session): Promise<void> {
  session.child.kill("SIGINT");
  assert.equal(await session.exited, 0, session.output());
  assert.match(session.output(), /Stopped /);
}

test("lab start 01 on a private redis-server: two instances behind a balancer, and Ctrl-C stops all of it", { timeout: 120_000 }, async () => {
  // Nothing answers where the compose Redis would be, so the kit starts its own redis-server.
  const session = await startLab("01", { WORKBOOK_COMPOSE_REDIS_URL: "redis://127.0.0.1:1" });
  const log = session.output();
  assert.match(log, /Using a private redis-server on 127\.0\.0\.1:\d+/);
  assert.match(log, /curl -i -c jar -X POST http:\/\/127\.0\.0\.1:\d+\/login/);
  const started = pids(log);
  assert.equal(started.length, 2, log);

  const login = await fetch(`${session.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "ada" }) });
  assert.equal(login.status, 201);
  const listening = [...new Set(ports(session.output()))].filter((port) => port !== 1);
  for (const port of listening) assert.equal(await canConnect("127.0.0.1", port, 500), true, `port ${port} should be open while running`);

  await stopWithCtrlC(session);
  for (const pid of started) assert.equal(alive(pid), false, `app process ${pid} still running`);
  for (const port of listening) assert.equal(await canConnect("127.0.0.1", port, 500), false, `port ${port} still open after Ctrl-C`);
});

test("lab start 02 on the MongoDB stand-in: seeded users are served, and Ctrl-C stops the app and the stand-in", { timeout: 120_000 }, async () => {
  const session = await startLab("02", { WORKBOOK_COMPOSE_REDIS_URL: "redis://127.0.0.1:1", WORKBOOK_COMPOSE_MONGO_URL: "mongodb://127.0.0.1:1/?directConnection=true" });
  const log = session.output();
  assert.match(log, /Using the embedded MongoDB stand-in on 127\.0\.0\.1:\d+/);
  const id = /the first has id ([0-9a-f]{24})/.exec(log)?.[1];
  assert.ok(id, log);
  assert.ok(log.includes(`curl -i ${session.url}/users/${id}`), log);
  const [app] = pids(log);
  assert.ok(app);

  const user = await fetch(`${session.url}/users/${id}`);
  assert.equal(user.status, 200);
  assert.equal(((await user.json()) as { name: string }).name, "user 1");
  const listening = [...new Set(ports(session.output()))].filter((port) => port !== 1);
  assert.ok(listening.length >= 3, `the stand-in, redis-server and the app: ${listening.join(", ")}`);

  await stopWithCtrlC(session);
  assert.equal(alive(app), false, `app process ${app} still running`);
  for (const port of listening) assert.equal(await canConnect("127.0.0.1", port, 500), false, `port ${port} still open after Ctrl-C`);
});

async function stopIfRunning(session: Session): Promise<void> {
  if (session.child.exitCode !== null || session.child.signalCode !== null) return;
  session.child.kill("SIGINT");
  const stopped = await Promise.race([session.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, 15_000, false))]);
  if (!stopped) session.child.kill("SIGKILL");
}

// Nothing answers where compose would publish its services, so every lab runs on the embedded
// defaults a learner without Docker gets: a private redis-server and the MongoDB stand-in.
const noCompose = {
  WORKBOOK_COMPOSE_REDIS_URL: "redis://127.0.0.1:1",
  WORKBOOK_COMPOSE_MONGO_URL: "mongodb://127.0.0.1:1/?directConnection=true",
};

for (const lab of await listLabs(root)) {
  test(`lab start ${lab.id.slice(0, 2)} runs the starter on the embedded services, its first example answers, and Ctrl-C stops everything`, { timeout: 120_000 }, async (t) => {
    const session = await startLab(lab.id.slice(0, 2), noCompose);
    // A failed assertion must not leave the CLI (and what it started) running: the file would never end.
    t.after(() => stopIfRunning(session));
    const log = session.output();
    const examples = log.split("\n").filter((line) => /\bcurl /.test(line));
    assert.ok(examples.length >= 2, `lab start ${lab.id} should print two or three curl lines; it printed:\n${log}`);
    // The first example's URL, asked with GET: what it calls answers (any status short of a server
    // error). That is the app, or what stands in front of it (lab 11's Varnish).
    const target = /(http:\/\/127\.0\.0\.1:\d+[^\s'"]*)/.exec(examples[0]!)?.[1];
    assert.ok(target, `the first example should call something this command started on 127.0.0.1: ${examples[0]}`);
    const response = await fetch(target!, { signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    assert.ok(response.status < 500, `GET ${target} answered ${response.status}`);
    const started = pids(session.output());
    assert.ok(started.length >= 1, log);
    await stopWithCtrlC(session);
    for (const pid of started) assert.equal(alive(pid), false, `process ${pid} still running after Ctrl-C`);
  });
}

test("lab start 09: three instances behind a private HAProxy with the lab's haproxy.cfg, and Ctrl-C stops all of it", { timeout: 120_000 }, async () => {
  const session = await startLab("09", {});
  const log = () => session.output();
  assert.match(log(), /Using HAProxy binary \S+haproxy/);
  // The instances warm up for a second; the starter's config has no health checks, so wait for answers.
  const seen = new Set<string>();
  for (let i = 0; i < 300 && seen.size < 3; i++) {
    const response = await fetch(`${session.url}/work?items=1`);
    await response.arrayBuffer();
    if (response.status === 200) seen.add(response.headers.get("x-instance") ?? "");
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual([...seen].sort(), ["app1", "app2", "app3"], `requests through HAProxy should reach all three instances; ${log()}`);
  assert.equal((await fetch(`${session.url}/admin/ready`, { method: "PUT" })).status, 403, "HAProxy should refuse /admin from outside");
  const instances = [...log().matchAll(/app\d listening on \S+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
  assert.equal(instances.length, 3, log());
  const listening = [...new Set(ports(log()))];
  assert.ok(listening.length >= 5, `HAProxy's frontend and stats page, and three instances: ${listening.join(", ")}`);

  await stopWithCtrlC(session);
  for (const pid of [...pids(log()), ...instances]) assert.equal(alive(pid), false, `process ${pid} still running`);
  for (const port of listening) assert.equal(await canConnect("127.0.0.1", port, 500), false, `port ${port} still open after Ctrl-C`);
});

test("lab start names an unknown lab's choices, and starts nothing", async () => {
  const child = spawn(process.execPath, [cli, "start", "99"], { cwd: root, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 2);
  assert.match(err, /Unknown lab "99"/);
});
