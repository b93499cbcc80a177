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

/** A line that is only a comment (//, /*, *, #, <!--): it explains the solution but is not code to copy. */
const commentOnly = (text: string) => /^(\/\/|\/\*|\*|#|<!--)/.test(text);

/**
 * Every line the solution adds to the starter (diff starter -> solution of each file in `files`), long enough
 * to count. The README/hint rule counts every such line; the lesson rule and the copyable share count code
 * only (`codeOnly`) and take shorter lines (`minLength`), since config lines such as `balance leastconn` are short.
 */
export async function solutionLines(lab: Lab, options: { minLength?: number; codeOnly?: boolean } = {}): Promise<SolutionLine[]> {
  const minLength = options.minLength ?? minLeakLength;
  const lines: SolutionLine[] = [];
  const seen = new Set<string>();
  for (const file of lab.manifest.files) {
    const starter = await readFile(path.join(lab.dir, file), "utf8").catch(() => "");
    const solved = await readFile(path.join(lab.solutionDir, file), "utf8").catch(() => "");
    for (const change of diffLines(starter, solved)) {
      if (!change.added) continue;
      for (const raw of change.value.split("\n")) {
        const text = normalise(raw);
        if (text.length < minLength || seen.has(text) || (options.codeOnly && commentOnly(text))) continue;
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

/** The lesson rule and the copyable share count code lines of at least this many characters (whitespace collapsed). */
export const shareMinLength = 12;

/**
 * True when `text` occurs in `haystack` as whole words: "retries 3" is not found in "retries 30". Both are
 * whitespace-normalised.
 */
export function containsLine(haystack: string, text: string): boolean {
  const word = /\w/;
  for (let at = haystack.indexOf(text); at !== -1; at = haystack.indexOf(text, at + 1)) {
    const before = at === 0 ? " " : haystack[at - 1]!;
    const after = haystack[at + text.length] ?? " ";
    if (!(word.test(text[0]!) && word.test(before)) && !(word.test(text.at(-1)!) && word.test(after))) return true;
  }
  return false;
}

/** A lesson code block holds "most" of a solution file when it quotes at least this share of the file's counted lines... */
export const lessonBlockShare = 0.5;
/** ...and at least this many of them: one quoted line is a share question (`lab leaks`), not a handed-over file. */
export const lessonBlockMinLines = 2;

/** The lab's lesson page (site/src/content/docs/lessons/<slug>.mdx, or .md), or "" when it has none yet. */
export async function readLesson(lab: Lab): Promise<{ file: string; text: string }> {
  const root = path.dirname(path.dirname(lab.dir));
  for (const ext of [".mdx", ".md"]) {
    const file = path.join(root, "site", "src", "content", "docs", "lessons", `${lab.manifest.lesson}${ext}`);
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text !== undefined) return { file: path.relative(root, file).split(path.sep).join("/"), text };
  }
  return { file: "", text: "" };
}

/** The bodies of the fenced code blocks (``` or ~~~) of a Markdown/MDX page, with the line each opens on. */
export function codeBlocks(markdown: string): { line: number; body: string }[] {
  const blocks: { line: number; body: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`).test(lines[j]!); j++) body.push(lines[j]!);
    blocks.push({ line: i + 1, body: body.join("\n") });
    i = j;
  }
  return blocks;
}

export interface LessonLeak {
  /** "site/src/content/docs/lessons/x.mdx, block at line 120" */
  where: string;
  file: string;
  quoted: number;
  of: number;
}

/**
 * The lesson rule: no single code block of the lab's lesson may hold most of a solution file, that is
 * at least `lessonBlockShare` of the file's counted lines (code lines the solution adds, `shareMinLength`
 * characters or more once whitespace is collapsed, found as whole words) and at least `lessonBlockMinLines`.
 */
export function findLessonLeaks(lessonFile: string, lesson: string, lines: readonly SolutionLine[]): LessonLeak[] {
  const byFile = new Map<string, SolutionLine[]>();
  for (const line of lines) byFile.set(line.file, [...(byFile.get(line.file) ?? []), line]);
  const leaks: LessonLeak[] = [];
  for (const block of codeBlocks(lesson)) {
    const haystack = normalise(block.body);
    for (const [file, own] of byFile) {
      const quoted = own.filter((line) => containsLine(haystack, line.text)).length;
      if (quoted >= lessonBlockMinLines && quoted >= lessonBlockShare * own.length) {
        leaks.push({ where: `${lessonFile}, code block at line ${block.line}`, file, quoted, of: own.length });
      }
    }
  }
  return leaks;
}

export async function checkLessonLeaks(lab: Lab): Promise<Finding> {
  const lesson = await readLesson(lab);
  if (!lesson.file) return { ok: true, detail: `no lesson page for "${lab.manifest.lesson}" yet` };
  const lines = await solutionLines(lab, { minLength: shareMinLength, codeOnly: true });
  const leaks = findLessonLeaks(lesson.file, lesson.text, lines);
  if (leaks.length === 0) return { ok: true, detail: `no code block of ${lesson.file} holds most of a solution file` };
  return {
    ok: false,
    detail: leaks.map((l) => `${l.where} holds ${l.quoted} of ${l.of} counted line(s) of ${l.file}`).join("; "),
  };
}

export interface CopyableShare {
  /** Counted solution lines found verbatim (whitespace-normalised) in the README or the lesson. */
  copyable: number;
  total: number;
  /** copyable / total, 0 when there are no counted lines. */
  share: number;
}

/**
 * The copyable share: of the solution's counted lines (code lines added to the starter, `shareMinLength`
 * characters or more once whitespace is collapsed), how many a learner finds verbatim in the README and the lesson,
 * prose and code alike. Hints are left out: a learner who asks for the last rung has asked for code.
 */
export async function copyableShare(lab: Lab): Promise<CopyableShare> {
  const lines = await solutionLines(lab, { minLength: shareMinLength, codeOnly: true });
  const readme = await readFile(path.join(lab.dir, "README.md"), "utf8").catch(() => "");
  const lesson = await readLesson(lab);
  const haystack = `${normalise(readme)}\n${normalise(lesson.text)}`;
  const copyable = lines.filter((line) => containsLine(haystack, line.text)).length;
  return { copyable, total: lines.length, share: lines.length === 0 ? 0 : copyable / lines.length };
}
