import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Lab } from "../labs.ts";

/** The README sections every lab has, in order (../shared/design/labs.md). */
export const readmeSections = ["Goal", "Why it matters at scale", "Your task", "How to run", "Done when", "Measure it", "Going further", "Further reading"];

/** A capstone's model answer in solutions/<id>/, beside the solution files (not a file the learner edits). */
export const modelAnswerFile = "MODEL-ANSWER.md";

export interface Finding {
  ok: boolean;
  detail: string;
}

export async function checkReadme(lab: Lab): Promise<Finding> {
  const text = await readFile(path.join(lab.dir, "README.md"), "utf8").catch(() => undefined);
  if (text === undefined) return { ok: false, detail: "README.md is missing" };
  const headings = [...text.matchAll(/^##\s+(.+?)\s*$/gm)].map((m) => m[1]!.trim());
  const missing = readmeSections.filter((s) => !headings.includes(s));
  if (missing.length > 0) return { ok: false, detail: `missing section(s): ${missing.join(", ")}` };
  const order = readmeSections.map((s) => headings.indexOf(s));
  if (order.some((at, i) => i > 0 && at < order[i - 1]!)) return { ok: false, detail: `sections out of order; expected ${readmeSections.join(" · ")}` };
  return { ok: true, detail: `${readmeSections.length} sections` };
}

/**
 * An ordinary lab's starter points at the learner's work with TODO(n) markers. A capstone (lab.json
 * "capstone": true) must not point at its own mistakes: finding them is the lab. So it must have none.
 */
export async function checkTodos(lab: Lab): Promise<Finding> {
  if (lab.manifest.capstone === true) return checkNoTodos(lab);
  const counts: string[] = [];
  for (const file of lab.manifest.files) {
    const text = await readFile(path.join(lab.dir, file), "utf8").catch(() => undefined);
    if (text === undefined) return { ok: false, detail: `${file} is listed in lab.json but does not exist` };
    const todos = text.match(/TODO\(\d+\)/g)?.length ?? 0;
    if (todos > 0) counts.push(`${todos} in ${file}`);
  }
  return counts.length > 0 ? { ok: true, detail: counts.join(", ") } : { ok: false, detail: "no TODO(n) marker in the files the learner edits" };
}

async function checkNoTodos(lab: Lab): Promise<Finding> {
  const found: string[] = [];
  for (const file of lab.manifest.files) {
    const text = await readFile(path.join(lab.dir, file), "utf8").catch(() => undefined);
    if (text === undefined) return { ok: false, detail: `${file} is listed in lab.json but does not exist` };
    const todos = text.match(/TODO\(\d+\)/g)?.length ?? 0;
    if (todos > 0) found.push(`${todos} in ${file}`);
  }
  return found.length > 0
    ? { ok: false, detail: `a capstone's starter must not point at its mistakes, but has TODO(n) marker(s): ${found.join(", ")}` }
    : { ok: true, detail: "none, as a capstone's starter should have" };
}

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

export async function checkSolutionFiles(lab: Lab): Promise<Finding> {
  const present = await stat(lab.solutionDir).then((s) => s.isDirectory()).catch(() => false);
  if (!present) return { ok: false, detail: `solutions/${lab.id}/ is missing` };
  // wrong/ holds the stored wrong solutions (formats.md §2), checked on their own.
  // A capstone's solution folder also holds MODEL-ANSWER.md, the written answer the site shows beside the files.
  const actual = new Set((await filesUnder(lab.solutionDir)).filter((f) => !f.startsWith("wrong/") && !(lab.manifest.capstone === true && f === modelAnswerFile)));
  const expected = new Set(lab.manifest.files);
  const missing = [...expected].filter((f) => !actual.has(f));
  const stray = [...actual].filter((f) => !expected.has(f));
  const problems = [...(missing.length ? [`missing: ${missing.join(", ")}`] : []), ...(stray.length ? [`stray (not in lab.json files): ${stray.join(", ")}`] : [])];
  return problems.length ? { ok: false, detail: problems.join("; ") } : { ok: true, detail: `${expected.size} file(s), as lab.json lists` };
}

export async function checkBench(lab: Lab): Promise<Finding> {
  const text = await readFile(path.join(lab.dir, "bench.ts"), "utf8").catch(() => undefined);
  if (text === undefined) return { ok: false, detail: "bench.ts is missing" };
  return /export\s+default/.test(text) ? { ok: true, detail: "bench.ts" } : { ok: false, detail: "bench.ts has no default export" };
}

/** Solution folders with no lab of the same name. */
export async function strayLabFolders(labs: Lab[], solutionsRoot: string): Promise<string[]> {
  const names = await readdir(solutionsRoot).catch(() => [] as string[]);
  const known = new Set(labs.map((l) => l.id));
  return names.filter((n) => !known.has(n) && !n.startsWith("."));
}
