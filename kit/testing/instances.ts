import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { spawnTied } from "../lifecycle.ts";
import { canConnect, getFreePort } from "../services/ports.ts";
import { describeProcess, killNow, stopGracefully, type Exit, type StopOptions } from "./stop.ts";

export interface InstanceOptions {
  /** The entry file to run with `node`, e.g. new URL("../src/server.ts", import.meta.url). */
  entry: string | URL;
  /** Extra environment; PORT is set by the kit. */
  env?: Record<string, string>;
  /** How long to wait for the port to accept connections. */
  startTimeoutMs?: number;
  /** How failures name it (default "instance"; startInstances numbers them "instance 1", "instance 2", ...). */
  name?: string;
}

export interface Instance {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** The current child process (replaced by restart). */
  readonly child: ChildProcess;
  /** Everything the process has written to stdout and stderr so far. */
  output(): string;
  /** How failures name it, e.g. "instance 2". */
  readonly name: string;
  /**
   * SIGTERM, then require the process to exit by itself within the deadline (default 5 s) with code 0 (or by
   * the SIGTERM itself when it has no handler). Otherwise it is killed and stop() REJECTS, naming the instance.
   */
  stop(options?: StopOptions): Promise<void>;
  /** SIGKILL and wait for the exit, with no assertion: for tests that mean to kill. */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Send a signal without waiting. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (or signal) once the process exits. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stop (as strictly as stop()) and start again on the same port. */
  restart(options?: StopOptions): Promise<void>;
}

/** Start one app process on a free port and wait until it accepts connections. */
export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const port = await getFreePort();
  const entry = typeof options.entry === "string" ? options.entry : fileURLToPath(options.entry);
  let log = "";
  let child!: ChildProcess;
  let exit!: Promise<Exit>;
  const name = options.name ?? "instance";
  const stop = (stopOptions?: StopOptions) => stopGracefully(child, exit, () => describeProcess(name, entry, child.pid), () => log, stopOptions);

  const launch = async () => {
    child = spawnTied(process.execPath, [entry], {
      env: { ...process.env, ...options.env, PORT: String(port), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    const kill = () => child.kill("SIGKILL");
    process.once("exit", kill);
    void exit.then(() => process.removeListener("exit", kill));
    const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
    while (!(await canConnect("127.0.0.1", port, 200))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${entry} exited (code ${child.exitCode}) before listening on port ${port}. Its output:\n${log}`);
      }
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`${entry} did not listen on port ${port} within ${options.startTimeoutMs ?? 15_000} ms. Its output:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  await launch();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get child() {
      return child;
    },
    name,
    output: () => log,
    stop,
    kill: () => killNow(child, exit),
    signal: (signal) => void child.kill(signal),
    exited: () => exit,
    restart: async (stopOptions) => {
      await stop(stopOptions);
      await launch();
    },
  };
}

/** Start `count` separate processes of the same app, each on its own free port. */
export async function startInstances(count: number, options: InstanceOptions): Promise<Instance[]> {
  const instances: Instance[] = [];
  try {
    for (let i = 0; i < count; i++) instances.push(await startInstance({ ...options, name: options.name ? `${options.name} ${i + 1}` : `instance ${i + 1}` }));
  } catch (error) {
    // Start-up failed: the error that matters is that one, so the ones already running are killed quietly.
    await Promise.all(instances.map((instance) => instance.kill()));
    throw error;
  }
  return instances;
}

/**
 * Stop every instance (all at once, each as strictly as stop()) and reject afterwards if any did not stop
 * cleanly, with every failure in the message: one hung instance does not hide another.
 */
export async function stopAll(instances: readonly Pick<Instance, "stop">[], options?: StopOptions): Promise<void> {
  const results = await Promise.allSettled(instances.map((instance) => instance.stop(options)));
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${instances.length} process(es) did not stop cleanly:\n${failures.map((f) => `- ${f}`).join("\n")}`);
  }
}
