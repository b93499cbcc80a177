/**
 * The lesson experiments: small Node programs in experiments/<name>.mjs, each demonstrating one
 * lesson's claim with a number. This module finds them, reads the two header lines every one starts
 * with, pins the npm packages it imports, runs it under Node and records what it prints.
 *
 *   // lesson: <slug>     the lesson the experiment belongs to (site/src/lessons.ts)
 *   // claim: <sentence>  what its output shows
 *
 * Used by `npm run experiment` (experiments/cli.ts), by the site build (the <Experiment> component
 * puts the recorded output on the lesson page) and by tests/experiments.test.ts.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const experimentsDir = path.join(repoRoot, "experiments");

export interface Experiment {
  name: string;
  lesson: string;
  claim: string;
  /** Absolute path of the .mjs file. */
  file: string;
  source: string;
  /** npm packages the file imports, each pinned to the version installed in this repository. */
  packages: Record<string, string>;
}

export interface Recording {
  name: string;
  exitCode: number | null;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
  ms: number;
}

const header = (source: string, key: string) => new RegExp(`^// ${key}: (.+)$`, "m").exec(source.slice(0, 2000))?.[1]?.trim();

/** Bare module names a file imports (`import x from "lru-cache"`, `import("@scope/pkg/sub")`), without node: built-ins. */
export function importedPackages(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"'./][^"']*)["']/g)) {
    const specifier = match[1]!;
    if (specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]!)) continue;
    const parts = specifier.split("/");
    names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
  }
  return [...names].sort();
}

async function installedVersion(pkg: string, root: string): Promise<string> {
  const text = await readFile(path.join(root, "node_modules", pkg, "package.json"), "utf8").catch(() => {
    throw new Error(`an experiment imports "${pkg}", which is not installed: add it to package.json and run npm install`);
  });
  return (JSON.parse(text) as { version: string }).version;
}

export async function loadExperiment(file: string, root = repoRoot): Promise<Experiment> {
  const source = await readFile(file, "utf8");
  const name = path.basename(file, ".mjs");
  const lesson = header(source, "lesson");
  const claim = header(source, "claim");
  if (!lesson || !claim) throw new Error(`experiments/${name}.mjs must start with "// lesson: <slug>" and "// claim: <sentence>" lines`);
  const packages: Record<string, string> = {};
  for (const pkg of importedPackages(source)) packages[pkg] = await installedVersion(pkg, root);
  return { name, lesson, claim, file, source, packages };
}

/** Every experiment, sorted by name. */
export async function listExperiments(dir = experimentsDir, root = repoRoot): Promise<Experiment[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".mjs")).sort();
  return Promise.all(files.map((f) => loadExperiment(path.join(dir, f), root)));
}

/**
 * The package.json an experiment runs with outside this repository (in a WebContainer): exact
 * versions, so the browser installs what the recorded output was made with.
 */
export function packageJsonFor(experiment: Experiment): string {
  const manifest = {
    name: `experiment-${experiment.name}`,
    private: true,
    type: "module",
    scripts: { start: "node index.mjs" },
    dependencies: experiment.packages,
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Run one experiment under this Node, from the repository root (so it finds node_modules). */
export function runExperiment(experiment: Experiment, { timeoutMs = 30_000, node = process.execPath } = {}): Promise<Recording> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, [experiment.file], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n(stopped: still running after ${timeoutMs / 1000} s)\n`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ name: experiment.name, exitCode: code, output, ms: Math.round(performance.now() - started) });
    });
  });
}

/** What a recording depends on: the file, the pinned packages and the Node major version. */
export const contentHash = (experiment: Experiment, node = process.versions.node) =>
  createHash("sha256")
    .update(JSON.stringify([experiment.source, experiment.packages, node.split(".")[0]]))
    .digest("hex")
    .slice(0, 16);

export interface RecordOptions {
  /** How many experiments run at once (the build machine may have two cores). */
  concurrency?: number;
  /** Where recordings are kept by content hash; unchanged experiments are not run again. */
  cacheDir?: string | null;
}

/**
 * Run every experiment (at most `concurrency` at a time) and return their recordings by name.
 * A recording is reused while the experiment's content hash is unchanged. Rejects, naming each
 * one, if any experiment exits non-zero: a lesson page must not show a broken run.
 */
export async function recordAll(experiments: Experiment[], { concurrency = 2, cacheDir = path.join(repoRoot, "node_modules", ".cache", "experiments") }: RecordOptions = {}): Promise<Map<string, Recording>> {
  const results = new Map<string, Recording>();
  const queue = [...experiments];
  if (cacheDir) await mkdir(cacheDir, { recursive: true });
  async function worker() {
    for (let experiment = queue.shift(); experiment; experiment = queue.shift()) {
      const cached = cacheDir ? path.join(cacheDir, `${experiment.name}-${contentHash(experiment)}.json`) : null;
      const hit = cached ? await readFile(cached, "utf8").then((t) => JSON.parse(t) as Recording, () => undefined) : undefined;
      if (hit && hit.exitCode === 0) {
        results.set(experiment.name, hit);
        continue;
      }
      const recording = await runExperiment(experiment);
      results.set(experiment.name, recording);
      if (cached && recording.exitCode === 0) await writeFile(cached, JSON.stringify(recording));
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const failed = [...results.values()].filter((r) => r.exitCode !== 0);
  if (failed.length > 0) {
    throw new Error(
      failed.map((r) => `experiment ${r.name} exited with ${r.exitCode}; run \`npm run experiment -- ${r.name}\` to see why. Its output:\n${r.output}`).join("\n"),
    );
  }
  return results;
}
