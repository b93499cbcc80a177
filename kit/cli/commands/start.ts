// `npm run lab -- start NN`: run a lab's app by hand, on the same services its tests use.
// Resolves the services (and prints which backend answered), seeds the lab's data, starts the
// lab's processes in order, prints the URL and a few curl lines, and on Ctrl-C stops everything it
// started, in reverse order. What to seed and start comes from labs/NN-slug/start.ts.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { MongoClient, type Db } from "mongodb";
import type { Lab } from "../../labs.ts";
import { spawnTied } from "../../lifecycle.ts";
import { resolveServices, type Services } from "../../services/index.ts";
import { canConnect, getFreePort } from "../../services/ports.ts";
import { roundRobinProxy, type RoundRobinProxy } from "../../testing/proxy.ts";
import { bold, dim, say } from "../../terminal/output.ts";

/** One process of the lab, started with `node <entry>` from the lab folder. */
export interface StartProcess {
  /** A short name for its log lines: "app", "worker", "email provider". */
  name: string;
  /** Relative to the lab folder, e.g. "src/server.ts". */
  entry: string;
  /** The variable that gets its port (the kit picks a free one). Ready once the port accepts connections. */
  portEnv?: string;
  /** The variable that the processes started after this one get its URL in. */
  urlEnv?: string;
  /** For a process without a port: ready once its output matches. */
  ready?: RegExp;
  env?: Record<string, string>;
}

/** What `labs/NN-slug/start.ts` default-exports. */
export interface LabStart {
  /** Started in this order; the one named "app" (with portEnv "PORT") is the one the learner calls. */
  processes: StartProcess[];
  /** Start this many copies of the app behind the kit's round-robin balancer (default 1). */
  appInstances?: number;
  /** Put sample data in place; returns facts the examples use (an id, say). */
  seed?(ctx: SeedContext): Promise<Record<string, string>>;
  /** Two or three curl lines against `url`. */
  examples(ctx: { url: string; seeded: Record<string, string> }): string[];
  /** One more line for the learner, after the examples. */
  note?: string;
}

export interface SeedContext {
  /** REDIS_URL, MONGO_URL and WORKBOOK_NS, as the app gets them. */
  env: Record<string, string>;
  /** The lab's database (named after WORKBOOK_NS), when the lab uses MongoDB. */
  db?: Db;
}

export interface StartOptions {
  /** Where the app should listen (default 3000, or a free port when 3000 is taken). */
  port?: number;
  /** Called once everything is up (the kit's tests use it). */
  onReady?: (url: string) => void;
}

interface Running {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

const preferredPort = 3000;

/** A lab without a usable labs/NN-slug/start.ts: one line for the learner, no stack. */
export class NoLabStartError extends Error {
  override name = "NoLabStartError";
}

export async function loadLabStart(lab: Lab): Promise<LabStart> {
  const file = path.join(lab.dir, "start.ts");
  if (!existsSync(file)) throw new NoLabStartError(`Lab ${lab.id} has no start.ts yet, so "lab start" does not know how to run it. Its README's "How to run" says how to start it by hand.`);
  const loaded = (await import(pathToFileURL(file).href)) as { default?: LabStart };
  if (!loaded.default || !Array.isArray(loaded.default.processes)) throw new NoLabStartError(`labs/${lab.id}/start.ts must default-export a LabStart ({ processes, examples }).`);
  return loaded.default;
}

async function pickPort(wanted: number | undefined): Promise<number> {
  if (wanted !== undefined) return wanted;
  return (await canConnect("127.0.0.1", preferredPort, 300)) ? getFreePort() : preferredPort;
}

function prefixLines(name: string, stream: NodeJS.ReadableStream, into: (line: string) => void): void {
  let rest = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) into(`${dim(`[${name}]`)} ${line}`);
  });
  stream.on("end", () => rest && into(`${dim(`[${name}]`)} ${rest}`));
}

/** Start one process in its own process group, so Ctrl-C reaches it only through stop(), in order. */
function launch(lab: Lab, name: string, entry: string, env: Record<string, string>): Running & { output: () => string } {
  const child = spawnTied(process.execPath, [path.join(lab.dir, entry)], {
    cwd: lab.dir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  const print = (line: string) => {
    log += `${line}\n`;
    say(line);
  };
  prefixLines(name, child.stdout!, print);
  prefixLines(name, child.stderr!, print);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killAtExit = () => child.kill("SIGKILL");
  process.once("exit", killAtExit);
  void exited.then(() => process.removeListener("exit", killAtExit));
  return { name, child, exited, output: () => log };
}

async function waitReady(proc: ReturnType<typeof launch>, check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`The ${proc.name} (${what}) exited with code ${proc.child.exitCode} before it was ready; its output is above.`);
    }
    if (Date.now() > deadline) throw new Error(`The ${proc.name} was not ready after 30 s (${what}); its output is above.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopProcess(proc: Running): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const force = setTimeout(() => proc.child.kill("SIGKILL"), 5000);
  proc.child.kill("SIGTERM");
  await proc.exited;
  clearTimeout(force);
}

/** Runs until SIGINT or SIGTERM; resolves once everything it started has stopped. */
export async function startLab(lab: Lab, options: StartOptions = {}): Promise<void> {
  const spec = await loadLabStart(lab);
  say(bold(`Starting lab ${lab.id}: ${lab.manifest.title}`));
  const running: Running[] = [];
  let services: Services | undefined;
  let proxy: RoundRobinProxy | undefined;
  let stopping: Promise<void> | undefined;
  let stopRequested!: () => void;
  const requested = new Promise<void>((resolve) => (stopRequested = resolve));
  const onSignal = () => stopRequested();
  // SIGHUP too: a closed terminal or a killed npm must not leave the lab's processes running.
  const stopSignals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const signal of stopSignals) process.on(signal, onSignal);

  const stopAll = () =>
    (stopping ??= (async () => {
      for (const proc of [...running].reverse()) await stopProcess(proc);
      await proxy?.close();
      await services?.stop();
      for (const signal of stopSignals) process.removeListener(signal, onSignal);
      const names = [...running].reverse().map((p) => p.name);
      if (proxy) names.push("the balancer");
      if (lab.manifest.services.length > 0) names.push("every service this command started");
      say(`Stopped ${names.join(", ")}.`);
    })());

  try {
    services = await resolveServices(lab.manifest.services);
    if (services.backends.length === 0) say("Services: none needed.");
    for (const backend of services.backends) say(`Using ${backend}`);
    const env: Record<string, string> = { ...services.env };

    const seeded = spec.seed ? await seed(spec, env) : {};

    const appPort = await pickPort(options.port);
    const instances = Math.max(1, spec.appInstances ?? 1);
    let url = "";
    for (const step of spec.processes) {
      const copies = step.name === "app" ? instances : 1;
      const urls: string[] = [];
      for (let i = 0; i < copies; i++) {
        const name = copies > 1 ? `${step.name} ${i + 1}` : step.name;
        // The app answers on 3000 as the README says, unless that port is taken; behind the
        // balancer its copies take free ports.
        const port = step.portEnv ? (step.name === "app" && copies === 1 ? appPort : await getFreePort()) : undefined;
        const procEnv = { ...env, ...step.env, ...(step.portEnv && port !== undefined ? { [step.portEnv]: String(port), HOST: "127.0.0.1" } : {}) };
        const proc = launch(lab, name, step.entry, procEnv);
        running.push(proc);
        if (port !== undefined) {
          await waitReady(proc, () => canConnect("127.0.0.1", port, 200), `port ${port}`);
          urls.push(`http://127.0.0.1:${port}`);
        } else if (step.ready) {
          const pattern = step.ready;
          await waitReady(proc, async () => pattern.test(proc.output()), `waiting for ${pattern}`);
        }
        say(dim(`Started the ${name} (pid ${proc.child.pid}${port !== undefined ? `, port ${port}` : ""})`));
      }
      if (step.urlEnv && urls[0]) env[step.urlEnv] = urls[0];
      if (step.name === "app") {
        if (copies > 1) {
          proxy = await roundRobinProxy({ targets: urls });
          url = proxy.url;
          say(`Balancer on ${url}, round-robin over ${urls.join(" and ")}`);
        } else url = urls[0] ?? "";
      }
    }

    say("");
    say(bold(`Lab ${lab.id} is running at ${url}`));
    say("Try:");
    for (const line of spec.examples({ url, seeded })) say(`  ${line}`);
    if (spec.note) say(spec.note);
    say(dim("Ctrl-C stops everything this command started."));
    options.onReady?.(url);

    // A process that dies on its own ends the session too: the learner sees why, above.
    const died = Promise.race(running.map((p) => p.exited.then(() => p)));
    const first = await Promise.race([requested.then(() => undefined), died]);
    if (first) {
      say(`The ${first.name} exited (code ${first.child.exitCode ?? first.child.signalCode}); stopping the rest.`);
      process.exitCode = 1;
    }
  } finally {
    await stopAll();
  }
}

async function seed(spec: LabStart, env: Record<string, string>): Promise<Record<string, string>> {
  let client: MongoClient | undefined;
  try {
    if (env.MONGO_URL) client = await new MongoClient(env.MONGO_URL, { serverSelectionTimeoutMS: 5000 }).connect();
    const facts = await spec.seed!({ env, db: client?.db(env.WORKBOOK_NS) });
    for (const [what, value] of Object.entries(facts)) say(`Sample data: ${what} ${value}`);
    return facts;
  } finally {
    await client?.close();
  }
}
