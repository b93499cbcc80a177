import { readFile } from "node:fs/promises";
import path from "node:path";
import { diffLines } from "diff";
import type { Lab } from "../labs.ts";
import type { LabStep } from "../manifest/schema.ts";
import type { Finding } from "./static.ts";

/** Added solution lines shorter than this (after collapsing whitespace) are too generic to count as a leak. */
export const minLeakLength = 25;

/** Collapse every run of whitespace to one space and trim. */
export const normalise = (text: string) => text.replace(/\s+/g, " ").trim();

export interface SolutionLine {
  file: string;
  /** The added line, whitespace-normalised. */
  text: string;
}

/** Every line the solution adds to the starter (diff starter -> solution of each file in `files`), long enough to count. */
export async function solutionLines(lab: Lab): Promise<SolutionLine[]> {
  const lines: SolutionLine[] = [];
  const seen = new Set<string>();
  for (const file of lab.manifest.files) {
    const starter = await readFile(path.join(lab.dir, file), "utf8").catch(() => "");
    const solved = await readFile(path.join(lab.solutionDir, file), "utf8").catch(() => "");
    for (const change of diffLines(starter, solved)) {
      if (!change.added) continue;
      for (const raw of change.value.split("\n")) {
        const text = normalise(raw);
        if (text.length < minLeakLength || seen.has(text)) continue;
        seen.add(text);
        lines.push({ file, text });
      }
    }
  }
  return lines;
}

export interface Leak {
  /** "README.md" or "step 2, rung 1 of 3" */
  where: string;
  lines: SolutionLine[];
}

/**
 * The README/hint leak rule (formats.md §3): no added solution line may appear in the README, nor in any
 * rung of a step's hint ladder but its last.
 */
export function findLeaks(readme: string, steps: readonly LabStep[], lines: readonly SolutionLine[]): Leak[] {
  const leaks: Leak[] = [];
  const look = (where: string, text: string) => {
    const haystack = normalise(text);
    const found = lines.filter((line) => haystack.includes(line.text));
    if (found.length > 0) leaks.push({ where, lines: found });
  };
  look("README.md", readme);
  steps.forEach((step, s) => {
    step.hints.slice(0, -1).forEach((rung, r) => look(`step ${s + 1}, rung ${r + 1} of ${step.hints.length}`, rung));
  });
  return leaks;
}

const clip = (text: string, max = 70) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The leak rule as a contract finding, plus one line per quoted solution line for the lab's author. */
export async function checkLeaks(lab: Lab, steps: readonly LabStep[]): Promise<Finding & { quoted: string[] }> {
  const readme = await readFile(path.join(lab.dir, "README.md"), "utf8").catch(() => "");
  const lines = await solutionLines(lab);
  const leaks = findLeaks(readme, steps, lines);
  const quoted = leaks.flatMap((leak) => leak.lines.map((l) => `${leak.where}: "${clip(l.text, 110)}" (${l.file})`));
  if (leaks.length === 0) return { ok: true, detail: `none of ${lines.length} solution line(s) in the README or an early rung`, quoted };
  const count = leaks.reduce((n, leak) => n + leak.lines.length, 0);
  const places = leaks.map((leak) => `${leak.where} quotes ${leak.lines.length}: ${leak.lines.slice(0, 2).map((l) => `"${clip(l.text)}" (${l.file})`).join(", ")}${leak.lines.length > 2 ? ", …" : ""}`);
  return { ok: false, detail: `${count} of ${lines.length} solution line(s) quoted where only a step's last rung may: ${places.join("; ")}`, quoted };
}
