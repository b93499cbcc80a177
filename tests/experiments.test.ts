// The lesson experiments (experiments/*.mjs): each runs under Node and prints its numbers, each
// names its lesson, every lesson embeds at least one, and every embedded name exists.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { importedPackages, listExperiments, packageJsonFor, recordAll, repoRoot, type Experiment } from "../experiments/catalog.ts";
import { lessons } from "../site/src/lessons.ts";
import { chartSpec, drawChart, splitChartLine } from "../site/src/experiments/chart.ts";
import type { Recording } from "../experiments/catalog.ts";

const experiments = await listExperiments();
const lessonDir = path.join(repoRoot, "site", "src", "content", "docs", "lessons");
const embedded = (mdx: string) => [...mdx.matchAll(/<Experiment\s+name="([^"]+)"\s*\/>/g)].map((m) => m[1]!);

/** Filled by the first test: every experiment's output from a fresh run. */
let recordings = new Map<string, Recording>();

/** Experiments that print no chart line, and why: what they print is not a measurement. */
const notCharted: Record<string, string> = {
  "traceparent-queue": "its numbers are trace ids, not measurements",
};

test("every experiment runs under Node, exits 0 and prints a number", async (t) => {
  assert.ok(experiments.length >= lessons.length, `expected at least one experiment per lesson (${lessons.length}), found ${experiments.length}`);
  // No cache: this is the check that the files still run, not that they once did.
  recordings = await recordAll(experiments, { concurrency: 2, cacheDir: null });
  for (const experiment of experiments) {
    const recording = recordings.get(experiment.name)!;
    const shown = splitChartLine(experiment.name, recording.output).text;
    assert.equal(recording.exitCode, 0, `${experiment.name} exited with ${recording.exitCode}:\n${recording.output}`);
    assert.match(recording.output, /\d/, `${experiment.name} printed no number:\n${recording.output}`);
    // A hang guard, not a speed test: on an idle machine each takes a few seconds (see the diagnostic), but
    // wall time on a loaded 2-core machine is several times that (reconnect-storm took 15.6 s at load 10).
    assert.ok(recording.ms < 60_000, `${experiment.name} took ${recording.ms} ms; an experiment should finish in a few seconds`);
    assert.ok(shown.split("\n").length <= 12, `${experiment.name} printed ${shown.split("\n").length} lines (besides its chart line); the recorded output sits in a lesson page with a 10 kB budget, keep it short`);
  }
  const slowest = [...recordings.values()].sort((a, b) => b.ms - a.ms).slice(0, 3);
  t.diagnostic(`slowest: ${slowest.map((r) => `${r.name} ${(r.ms / 1000).toFixed(1)} s`).join(", ")}`);
});

test("every lesson embeds at least one experiment, each exists and names that lesson", async () => {
  for (const { slug } of lessons) {
    const file = path.join(lessonDir, `${slug}.mdx`);
    if (!existsSync(file)) continue; // a lesson not written yet; the site tests require every lesson page
    const mdx = await readFile(file, "utf8");
    const names = embedded(mdx);
    assert.ok(names.length > 0, `lessons/${slug}.mdx embeds no experiment: add <Experiment name="..." /> (npm run experiment -- list)`);
    assert.match(mdx, /^import Experiment from '\.\.\/\.\.\/\.\.\/components\/Experiment\.astro';$/m, `lessons/${slug}.mdx uses <Experiment> without importing it`);
    for (const name of names) {
      const experiment = experiments.find((e) => e.name === name);
      assert.ok(experiment, `lessons/${slug}.mdx embeds "${name}", but there is no experiments/${name}.mjs`);
      assert.equal(experiment.lesson, slug, `experiments/${name}.mjs says "// lesson: ${experiment.lesson}" but is embedded in ${slug}`);
    }
  }
});

test("an experiment whose lesson exists is embedded in it; the others wait for their lesson", async (t) => {
  const slugs = new Set<string>(lessons.map((l) => l.slug));
  const waiting: Experiment[] = [];
  for (const experiment of experiments) {
    const file = path.join(lessonDir, `${experiment.lesson}.mdx`);
    if (!slugs.has(experiment.lesson) || !existsSync(file)) {
      waiting.push(experiment);
      continue;
    }
    assert.ok(embedded(await readFile(file, "utf8")).includes(experiment.name), `experiments/${experiment.name}.mjs belongs to ${experiment.lesson}, whose page does not embed it`);
  }
  for (const e of waiting) t.diagnostic(`${e.name} waits for lesson "${e.lesson}": add <Experiment name="${e.name}" /> to it`);
});

test("each experiment is self-contained: relative imports are not allowed, packages are pinned to the installed version", async () => {
  for (const experiment of experiments) {
    assert.doesNotMatch(experiment.source, /from\s*["']\.\.?\//, `${experiment.name} imports a local file; the browser mounts only index.mjs and package.json`);
    assert.doesNotMatch(experiment.source, /["'](ioredis|redis|mongodb|bullmq)["']/, `${experiment.name} needs a database server, which a WebContainer cannot run`);
    const manifest = JSON.parse(packageJsonFor(experiment)) as { type: string; dependencies: Record<string, string> };
    assert.equal(manifest.type, "module");
    for (const [pkg, version] of Object.entries(manifest.dependencies)) {
      const installed = JSON.parse(await readFile(path.join(repoRoot, "node_modules", pkg, "package.json"), "utf8")) as { version: string };
      assert.equal(version, installed.version, `${experiment.name}: ${pkg} must be pinned to the installed ${installed.version}, not "${version}"`);
    }
  }
});

test("importedPackages finds bare imports, keeps scopes, drops built-ins and relative paths", () => {
  const source = `import { LRUCache } from "lru-cache";\nimport http from "node:http";\nimport fs from "fs";\nimport { trace } from "@opentelemetry/api";\nimport x from "./local.mjs";\nconst m = await import("prom-client/lib/x");`;
  assert.deepEqual(importedPackages(source), ["@opentelemetry/api", "lru-cache", "prom-client"]);
});

test("recordAll fails, naming the experiment, when one exits non-zero; a cached recording is not run again", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "wb-experiments-"));
  try {
    const counter = path.join(dir, "runs.txt");
    await writeFile(path.join(dir, "counts.mjs"), `// lesson: x\n// claim: y\nimport { appendFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(counter)}, "run\\n");\nconsole.log(42);\n`);
    const ok = await listExperiments(dir);
    const cacheDir = path.join(dir, "cache");
    await recordAll(ok, { cacheDir });
    const again = await recordAll(ok, { cacheDir });
    assert.equal(again.get("counts")!.output, "42\n");
    assert.equal((await readFile(counter, "utf8")).split("\n").filter(Boolean).length, 1, "an unchanged experiment ran twice despite the cache");

    await writeFile(path.join(dir, "broken.mjs"), "// lesson: x\n// claim: y\nconsole.log('about to fail');\nprocess.exit(3);\n");
    await assert.rejects(recordAll(await listExperiments(dir), { cacheDir }), /experiment broken exited with 3[\s\S]*about to fail/);

    await writeFile(path.join(dir, "headless.mjs"), "console.log(1);\n");
    await assert.rejects(listExperiments(dir), /headless\.mjs must start with "\/\/ lesson: <slug>"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("npm run experiment -- list names every experiment; -- <name> runs it; an unknown name exits 2", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, "experiments", "cli.ts"), ...args], { cwd: repoRoot, encoding: "utf8" });
  const list = run("list");
  assert.equal(list.status, 0, list.stderr);
  for (const e of experiments) assert.match(list.stdout, new RegExp(`^${e.name}\\s+${e.lesson}$`, "m"), `list is missing ${e.name}`);
  const one = run("offset-vs-cursor");
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, /10000\s+200000\s+38/, `expected the cursor to examine 38 entries at page 10,000; got:\n${one.stdout}`);
  const unknown = run("no-such-experiment");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /No experiment named "no-such-experiment"/);
});

test("every experiment with numbers prints one valid chart line, except those listed with a reason; each chart draws", async () => {
  assert.ok(recordings.size > 0, "the first test records every experiment");
  const charted: string[] = [];
  for (const experiment of experiments) {
    const { chart } = splitChartLine(experiment.name, recordings.get(experiment.name)!.output);
    if (!chart) {
      assert.ok(notCharted[experiment.name], `experiments/${experiment.name}.mjs prints numbers but no chart line: print one (site/src/experiments/chart.ts) or list it in notCharted with the reason`);
      continue;
    }
    assert.equal(notCharted[experiment.name], undefined, `${experiment.name} prints a chart line: take it off notCharted`);
    charted.push(`${experiment.name} (${chart.kind})`);
    const svg = await drawChart(chart, null);
    assert.match(svg, /^<svg\b[^>]*\bwidth="\d/, `${experiment.name}: the chart did not draw`);
    assert.ok(chartSpec(chart));
  }
  console.log(`# charted: ${charted.join(", ")}`);
});

test("a malformed chart line fails with a message that names the experiment and the fault", () => {
  const valid = { kind: "bar", label: "L", summary: "S", x: { title: "x" }, y: { title: "y", unit: "ms" }, rows: [{ x: "a", y: 1 }, { x: "b", y: 2 }] };
  const line = (value: unknown) => `text 1\nchart: ${typeof value === "string" ? value : JSON.stringify(value)}\n`;
  const { text, chart } = splitChartLine("ok", line(valid));
  assert.equal(text, "text 1\n", "the chart line is stripped from the text shown");
  assert.equal(chart?.rows.length, 2);
  assert.deepEqual(splitChartLine("none", "just 42\n"), { text: "just 42\n" });
  const cases: [string, string, RegExp][] = [
    ["not JSON", line("{kind: bar"), /experiments\/bad\.mjs printed a chart line that is not JSON/],
    ["unknown kind", line({ ...valid, kind: "pie" }), /kind: Invalid option: expected one of "bar"\|"line"/],
    ["no summary", line({ ...valid, summary: undefined }), /summary: Invalid input: expected string/],
    ["a value that is not a number", line({ ...valid, rows: [{ x: "a", y: "1" }, { x: "b", y: 2 }] }), /rows\.0\.y: Invalid input: expected number/],
    ["NaN printed as null", line({ ...valid, rows: [{ x: "a", y: null }, { x: "b", y: 2 }] }), /rows\.0\.y/],
    ["one row", line({ ...valid, rows: [{ x: "a", y: 1 }] }), /rows: a chart needs at least 2 rows/],
    ["an unknown key", line({ ...valid, colour: "red" }), /Unrecognized key: "colour"/],
    ["a line chart with a category x", line({ ...valid, kind: "line" }), /a "line" chart needs a number for every x/],
    ["a log scale with a zero", line({ ...valid, y: { title: "y", log: true }, rows: [{ x: "a", y: 0 }, { x: "b", y: 2 }] }), /y\.log: a log scale needs every y above 0/],
    ["series on some rows", line({ ...valid, rows: [{ x: "a", y: 1, series: "s" }, { x: "b", y: 2 }] }), /either every row has a series or none has/],
    ["three series of bars", line({ ...valid, rows: ["a", "b", "c"].map((series) => ({ x: "a", y: 1, series })) }), /a "bar" chart tells at most 2 series apart, this has 3/],
    ["two chart lines", `${line(valid)}${line(valid)}`, /is not alone: it printed 2/],
  ];
  for (const [what, output, message] of cases) {
    assert.throws(() => splitChartLine("bad", output), (error: Error) => {
      assert.match(error.message, /^experiments\/bad\.mjs printed a chart line that/, `${what}: the message names the experiment`);
      assert.match(error.message, message, `${what}: ${error.message}`);
      return true;
    }, what);
  }
});
