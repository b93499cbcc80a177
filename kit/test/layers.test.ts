import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { importsOf } from "./imports.ts";

const kitDir = fileURLToPath(new URL("..", import.meta.url));
const repoDir = path.dirname(kitDir);

/**
 * The kit's layers, lowest first. A module is a folder under kit/ or a file at its top (kit/paths.ts is
 * "paths"). A file may import its own module and any module of a LOWER layer; modules of one layer are
 * peers and do not import each other. A new module must be placed here before it can import anything.
 */
const layers: readonly (readonly string[])[] = [
  // What prints to the terminal, and the Node bootstrap that runs before anything else.
  ["terminal", "bootstrap"],
  // Pure helpers and the ground everything stands on.
  ["paths", "lifecycle", "manifest", "stats", "step-states"],
  // The labs on disk, the learner's progress, the MongoDB stand-in.
  ["labs", "progress", "mongo-standin"],
  // Scratch copies of labs; finding and starting Redis, MongoDB, HAProxy, Varnish, Prometheus.
  ["scratch", "services"],
  // Running a lab's node:test suite and reading its results.
  ["runner"],
  // What lab tests and bench scenarios import.
  ["testing"],
  // The maintainer contract and the bench harness.
  ["contract", "bench"],
  // npm run lab -- <command>.
  ["cli"],
  // The kit's own tests.
  ["test"],
];

const layerOf = new Map(layers.flatMap((modules, level) => modules.map((m) => [m, level] as const)));

/** "services" for kit/services/redis.ts, "paths" for kit/paths.ts. */
function moduleOf(file: string): string {
  const [first, ...rest] = path.relative(kitDir, file).split(path.sep);
  return rest.length === 0 ? first!.replace(/\.[cm]?[jt]s$/, "") : first!;
}

async function codeFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.[cm]?[jt]s$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !f.split(path.sep).includes("node_modules"))
    .sort();
}

/** Where a specifier points inside the repository, or undefined for a package or node: built-in. */
function target(specifier: string, from: string): string | undefined {
  if (specifier.startsWith("#kit/")) return path.join(kitDir, specifier.slice("#kit/".length));
  if (specifier.startsWith("./") || specifier.startsWith("../")) return path.resolve(path.dirname(from), specifier);
  return undefined;
}

const rel = (file: string) => path.relative(repoDir, file).split(path.sep).join("/");

/** Every import in kit/ that goes up a layer or sideways to a peer, as "file:line imports 'x' (why)". */
async function layerBreaches(files: readonly string[], readText = (f: string) => readFile(f, "utf8")): Promise<string[]> {
  const breaches: string[] = [];
  for (const file of files) {
    const from = moduleOf(file);
    const fromLevel = layerOf.get(from);
    if (fromLevel === undefined) {
      breaches.push(`${rel(file)}: module "${from}" is in no layer; add it to the layer list in kit/test/layers.test.ts`);
      continue;
    }
    for (const site of importsOf(await readText(file))) {
      const to = target(site.specifier, file);
      if (to === undefined || path.relative(kitDir, to).startsWith("..")) continue;
      const toModule = moduleOf(to);
      if (toModule === from) continue;
      const toLevel = layerOf.get(toModule);
      const where = `${rel(file)}:${site.line} imports "${site.specifier}"`;
      if (toLevel === undefined) breaches.push(`${where}: module "${toModule}" is in no layer`);
      else if (toLevel > fromLevel) breaches.push(`${where}: ${from} (layer ${fromLevel}) must not import ${toModule} (layer ${toLevel}, above it)`);
      else if (toLevel === fromLevel) breaches.push(`${where}: ${from} and ${toModule} are peers (layer ${fromLevel}) and must not import each other`);
    }
  }
  return breaches;
}

describe("the kit's layers", () => {
  test("no module of the kit imports from a layer above it, nor from a peer", async () => {
    const breaches = await layerBreaches(await codeFiles(kitDir));
    assert.deepEqual(breaches, [], `imports that run against the kit's layers (lowest first: ${layers.map((l) => l.join("/")).join(", ")}):\n${breaches.join("\n")}`);
  });

  test("an upward import is reported with its file, line and specifier", async () => {
    const fake = path.join(kitDir, "terminal", "fake.ts");
    const peer = path.join(kitDir, "bench", "fake.ts");
    const sources: Record<string, string> = {
      [fake]: `import { x } from "./output.ts";\nimport type { Lab } from "../labs.ts";\n// import { y } from "../cli/main.ts";\nconst s = \`import "../cli/main.ts"\`;\n`,
      [peer]: `export { checkContract } from "../contract/check.ts";\nimport { getFreePort } from "#kit/services/ports.ts";\n`,
    };
    const breaches = await layerBreaches([fake, peer], async (f) => sources[f]!);
    assert.deepEqual(breaches, [
      `kit/terminal/fake.ts:2 imports "../labs.ts": terminal (layer 0) must not import labs (layer 2, above it)`,
      `kit/bench/fake.ts:1 imports "../contract/check.ts": bench and contract are peers (layer 6) and must not import each other`,
    ]);
  });

  test("a file in a module no layer names is reported", async () => {
    const stray = path.join(kitDir, "newthing", "a.ts");
    assert.deepEqual(await layerBreaches([stray], async () => ""), [`kit/newthing/a.ts: module "newthing" is in no layer; add it to the layer list in kit/test/layers.test.ts`]);
  });

  test("labs and solutions reach the kit through #kit/ and its public entry points only", async () => {
    // kit/README.md: lab code imports the kit as "#kit/...", never with ../../kit (check runs labs from scratch
    // copies at another depth). The entry points are the ones the labs use today; a new one is a decision.
    // bench/load-curve.ts: a bench that draws a load curve (lab 17's), as kit/README's "Load curves" shows.
    const entryPoints = new Set(["testing/index.ts", "services/index.ts", "cli/commands/start.ts", "mongo-standin/server.ts", "mongo-standin/replication.ts", "bench/load-curve.ts"]);
    const problems: string[] = [];
    for (const top of ["labs", "solutions"]) {
      for (const file of await codeFiles(path.join(repoDir, top))) {
        for (const site of importsOf(await readFile(file, "utf8"))) {
          const to = target(site.specifier, file);
          if (to === undefined || path.relative(kitDir, to).startsWith("..")) continue;
          const where = `${rel(file)}:${site.line} imports "${site.specifier}"`;
          if (!site.specifier.startsWith("#kit/")) problems.push(`${where}: import the kit as "#kit/..."`);
          else if (!entryPoints.has(site.specifier.slice("#kit/".length))) problems.push(`${where}: not one of the kit's entry points for labs (${[...entryPoints].join(", ")})`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe("child processes", () => {
  // kit/README.md: every process the kit, a lab or a bench starts is tied to its parent's life through
  // spawnTied (kit/lifecycle.ts), so that none outlives a parent killed with SIGKILL. A bare spawn or fork
  // is tied by nothing but exit handlers, which SIGKILL skips. (spawnSync and execFile run to completion
  // while their caller waits, and are allowed.)
  test("labs, solutions and the kit start long-running processes through spawnTied only", async () => {
    const problems: string[] = [];
    const files = [...(await codeFiles(path.join(repoDir, "labs"))), ...(await codeFiles(path.join(repoDir, "solutions"))), ...(await codeFiles(kitDir))];
    for (const file of files) {
      if (file === path.join(kitDir, "lifecycle.ts") || file.endsWith(".test.ts")) continue;
      const source = await readFile(file, "utf8");
      for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*["']node:child_process["']/g)) {
        const names = match[1]!.split(",").map((name) => name.trim()).filter((name) => name && !name.startsWith("type "));
        const untied = names.filter((name) => /^(spawn|fork|exec)\b/.test(name));
        if (untied.length > 0) problems.push(`${rel(file)}: imports ${untied.join(", ")} from node:child_process; start the process with spawnTied`);
      }
      if (/import\s*\*\s*as\s+\w+\s+from\s*["']node:child_process["']/.test(source)) problems.push(`${rel(file)}: imports all of node:child_process; import spawnTied instead`);
    }
    assert.deepEqual(problems, []);
  });
});

describe("importsOf", () => {
  test("finds static, type-only, re-exported, side-effect, dynamic and require imports", () => {
    const source = [
      `import a from "a";`,
      `import type { B } from 'b';`,
      `import {`,
      `  c,`,
      `  type C,`,
      `} from "c";`,
      `export { d } from "d";`,
      `export * from "e";`,
      `export type { F } from "f";`,
      `import "g";`,
      `const h = await import("h");`,
      `const i = require("i");`,
      `import * as j from "j";`,
    ].join("\n");
    assert.deepEqual(
      importsOf(source).map((s) => `${s.line}:${s.specifier}`),
      ["1:a", "2:b", "6:c", "7:d", "8:e", "9:f", "10:g", "11:h", "12:i", "13:j"],
    );
  });

  test("ignores imports inside strings, template literals, comments and regular expressions", () => {
    const source = [
      `// import x from "comment";`,
      `/* import y from "block"; */`,
      "const t = `import z from \"template\"; ${'nested'} ${`import w from \"inner\"`}`;",
      `const s = 'import v from "string"';`,
      `const r = /import u from "regex"/;`,
      `const url = import.meta.url;`,
      `export const from = "not a specifier";`,
      `import real from "real";`,
    ].join("\n");
    assert.deepEqual(importsOf(source).map((s) => s.specifier), ["real"]);
  });
});
