import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { canConnect, getFreePort } from "../services/ports.ts";
import { stopChild } from "../services/redis.ts";

export interface InstanceOptions {
  /** The entry file to run with `node`, e.g. new URL("../src/server.ts", import.meta.url). */
  entry: string | URL;
  /** Extra environment; PORT is set by the kit. */
  env?: Record<string, string>;
  /** How long to wait for the port to accept connections. */
  startTimeoutMs?: number;
}

export interface Instance {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** The current child process (replaced by restart). */
  readonly child: ChildProcess;
  /** Everything the process has written to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves when the process has exited. */
  stop(): Promise<void>;
  /** Send a signal without waiting. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (or signal) once the process exits. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stop and start again on the same port. */
  restart(): Promise<void>;
}

/** Start one app process on a free port and wait until it accepts connections. */
export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const port = await getFreePort();
  const entry = typeof options.entry === "string" ? options.entry : fileURLToPath(options.entry);
  let log = "";
  let child!: ChildProcess;
  let exit!: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  const launch = async () => {
    child = spawn(process.execPath, [entry], {
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
    output: () => log,
    stop: () => stopChild(child),
    signal: (signal) => void child.kill(signal),
    exited: () => exit,
    restart: async () => {
      await stopChild(child);
      await launch();
    },
  };
}

/** Start `count` separate processes of the same app, each on its own free port. */
export async function startInstances(count: number, options: InstanceOptions): Promise<Instance[]> {
  const instances: Instance[] = [];
  try {
    for (let i = 0; i < count; i++) instances.push(await startInstance(options));
  } catch (error) {
    await stopAll(instances);
    throw error;
  }
  return instances;
}

export async function stopAll(instances: readonly Instance[]): Promise<void> {
  await Promise.allSettled(instances.map((instance) => instance.stop()));
}
