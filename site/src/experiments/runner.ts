/**
 * Runs a lesson experiment in a WebContainer: boot once per page, mount the experiment's folder,
 * `npm install` (again only when its package.json changed), then `node index.mjs`, streaming the
 * output. Starting a run stops the one before it. No DOM here: the page's UI lives in
 * scripts/experiment-live.ts, and tests/experiment-runner.test.ts drives this module with a
 * stand-in object that has the same methods as the parts of the WebContainer API it uses.
 */

/** The parts of @webcontainer/api's WebContainerProcess used here. */
export interface ContainerProcess {
  output: ReadableStream<string>;
  exit: Promise<number>;
  kill(): void;
}

export type FileTree = Record<string, { file: { contents: string } } | { directory: FileTree }>;

/** The parts of @webcontainer/api's WebContainer used here. */
export interface Container {
  mount(tree: FileTree): Promise<void>;
  spawn(command: string, args: string[], options?: { cwd?: string }): Promise<ContainerProcess>;
}

export type Stage = "boot" | "install" | "run";

export type RunnerEvent =
  | { type: "status"; stage: Stage; text: string }
  | { type: "output"; stage: "install" | "run"; text: string };

export type RunResult =
  /** The experiment ran; exitCode 0 or not. */
  | { outcome: "exited"; exitCode: number; message: string }
  /** WebContainer could not start: the page falls back to the local command. */
  | { outcome: "unavailable"; stage: "boot"; message: string }
  /** npm install or starting node failed. */
  | { outcome: "failed"; stage: "install" | "run"; message: string }
  /** A newer run started before this one finished. */
  | { outcome: "superseded"; message: string };

export interface ExperimentFiles {
  name: string;
  code: string;
  packageJson: string;
}

export interface RunnerOptions {
  boot: () => Promise<Container>;
  /** Give up on the boot after this long (it may wait forever on a blocked network). */
  bootTimeoutMs?: number;
  /** How long a killed process may take to report its exit before the next run goes ahead. */
  killGraceMs?: number;
  onEvent?: (event: RunnerEvent) => void;
}

export interface Runner {
  run(files: ExperimentFiles): Promise<RunResult>;
  /** Stop whatever is running (a process, or a run waiting for the boot). */
  stop(): Promise<void>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

class Timeout extends Error {}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createRunner({ boot, bootTimeoutMs = 10_000, killGraceMs = 2_000, onEvent = () => {} }: RunnerOptions): Runner {
  let container: Promise<Container> | undefined;
  let current: ContainerProcess | undefined;
  let generation = 0;
  /** Per experiment folder: the package.json its node_modules were installed from. */
  const installed = new Map<string, string>();

  async function stopCurrent() {
    const process = current;
    current = undefined;
    if (!process) return;
    try {
      process.kill();
    } catch {
      // already gone
    }
    await within(process.exit, killGraceMs, "the previous process").catch(() => undefined);
  }

  /** Run a process to its end, streaming its output while this run is still the latest. */
  async function spawnAndStream(c: Container, stage: "install" | "run", mine: number, command: string, args: string[], cwd: string) {
    const process = await c.spawn(command, args, { cwd });
    current = process;
    const piped = process.output
      .pipeTo(
        new WritableStream<string>({
          write(text) {
            if (mine === generation) onEvent({ type: "output", stage, text });
          },
        }),
      )
      .catch(() => undefined);
    const exitCode = await process.exit;
    // The stream ends with the process; do not wait long if it does not.
    await within(piped, 1_000, "the output stream").catch(() => undefined);
    if (current === process) current = undefined;
    return exitCode;
  }

  return {
    async stop() {
      generation++;
      await stopCurrent();
    },

    async run({ name, code, packageJson }) {
      const mine = ++generation;
      const superseded = { outcome: "superseded", message: "A newer run replaced this one." } as const;
      await stopCurrent();
      if (mine !== generation) return superseded;

      onEvent({ type: "status", stage: "boot", text: "Starting WebContainer…" });
      if (!container) {
        container = boot();
        // A failed boot may be tried again by the next run; a slow one is kept and awaited again.
        container.catch(() => (container = undefined));
      }
      let c: Container;
      try {
        c = await within(container, bootTimeoutMs, "WebContainer's start");
      } catch (error) {
        if (mine !== generation) return superseded;
        return { outcome: "unavailable", stage: "boot", message: errorText(error) };
      }
      if (mine !== generation) return superseded;

      onEvent({ type: "status", stage: "install", text: "Installing packages…" });
      try {
        await c.mount({
          [name]: { directory: { "index.mjs": { file: { contents: code } }, "package.json": { file: { contents: packageJson } } } },
        });
        if (installed.get(name) !== packageJson) {
          const exitCode = await spawnAndStream(c, "install", mine, "npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], name);
          if (mine !== generation) return superseded;
          if (exitCode !== 0) return { outcome: "failed", stage: "install", message: `npm install exited with code ${exitCode}.` };
          installed.set(name, packageJson);
        }
      } catch (error) {
        if (mine !== generation) return superseded;
        return { outcome: "failed", stage: "install", message: `Installing failed: ${errorText(error)}` };
      }
      if (mine !== generation) return superseded;

      onEvent({ type: "status", stage: "run", text: `Running node index.mjs…` });
      let exitCode: number;
      try {
        exitCode = await spawnAndStream(c, "run", mine, "node", ["index.mjs"], name);
      } catch (error) {
        if (mine !== generation) return superseded;
        return { outcome: "failed", stage: "run", message: `Starting node failed: ${errorText(error)}` };
      }
      if (mine !== generation) return superseded;
      return {
        outcome: "exited",
        exitCode,
        message: exitCode === 0 ? "Finished (exit code 0)." : `Exited with code ${exitCode}: the output above says why.`,
      };
    },
  };
}
