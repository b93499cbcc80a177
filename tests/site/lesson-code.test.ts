// Lesson code is real code: every ```ts block in a lesson must type-check against the
// project's own dependencies with the project's own TypeScript, and every lesson must
// carry the sections and links the course promises (objectives, pitfalls, lab, flashcards).
//
// Blocks marked `partial` in the fence meta (```ts partial title="...") are deliberately
// incomplete fragments and are the only ones skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const lessonsDir = join(root, "site/src/content/docs/lessons");
// Inside node_modules so imports resolve exactly as they do for labs; node_modules is git-ignored.
const scratchDir = join(root, "node_modules/.cache/lesson-code");

/** Lesson slug → the lab its "Try it" section must link to (CONTRACTS.md). */
const lessonLabs: Record<string, string[]> = {
  "what-scalable-means": ["01-statelessness"],
  statelessness: ["01-statelessness"],
  uploads: ["01-statelessness"],
  "load-balancing": ["09-load-balancing"],
  websockets: ["14-websockets"],
  "rate-limiting": ["10-rate-limiting"],
  "caching-layers": ["02-cache-aside"],
  "http-caching": ["11-http-caching"],
  "cache-aside": ["02-cache-aside"],
  queues: ["03-queues"],
  "read-replicas": ["04-read-replicas"],
  sharding: ["04-read-replicas"],
  "redis-cluster": ["15-redis-cluster"],
  pagination: ["05-pagination"],
  "connection-pooling": ["06-connection-pooling"],
  "postgres-connections": ["16-postgres-pooling"],
  observability: ["07-observability"],
  "distributed-tracing": ["13-tracing"],
  "graceful-shutdown": ["08-graceful-shutdown"],
  "cpu-bound-work": ["12-cpu-bound"],
  "scaling-patterns": [
    "01-statelessness", "02-cache-aside", "03-queues", "04-read-replicas",
    "05-pagination", "06-connection-pooling", "07-observability", "08-graceful-shutdown", "09-load-balancing", "10-rate-limiting", "11-http-caching",
    "12-cpu-bound", "13-tracing", "15-redis-cluster", "16-postgres-pooling",
  ],
  "interview-prep": ["17-capstone"],
};

interface CodeBlock {
  lesson: string;
  index: number;
  line: number; // 1-based line of the opening fence in the .mdx file
  lang: string;
  meta: string;
  code: string;
}

/** Extracts fenced code blocks (``` or ~~~, any length ≥ 3) from Markdown/MDX source. */
function extractBlocks(lesson: string, source: string): CodeBlock[] {
  const lines = source.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,}|~{3,})([\w-]*)\s*(.*)$/.exec(lines[i] ?? "");
    if (!open) continue;
    const fence = open[1] ?? "```";
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? "").trim().startsWith(fence)) body.push(lines[j++] ?? "");
    assert.ok(j < lines.length, `${lesson}.mdx:${i + 1}: code fence is never closed`);
    blocks.push({ lesson, index: blocks.length, line: i + 1, lang: open[2] ?? "", meta: open[3] ?? "", code: body.join("\n") });
    i = j;
  }
  return blocks;
}

const isPartial = (meta: string): boolean => /(^|\s)partial(\s|$)/.test(meta);

async function loadLessons(): Promise<Map<string, string>> {
  const lessons = new Map<string, string>();
  for (const slug of Object.keys(lessonLabs)) {
    lessons.set(slug, await readFile(join(lessonsDir, `${slug}.mdx`), "utf8"));
  }
  return lessons;
}

/** Mirrors the root tsconfig's strictness; each block is its own ES module. */
async function scratchProject(fileNames: string[]): Promise<string> {
  const rootConfig = JSON.parse(await readFile(join(root, "tsconfig.json"), "utf8")) as {
    compilerOptions: Record<string, unknown>;
  };
  const { rootDirs: _rootDirs, ...compilerOptions } = rootConfig.compilerOptions;
  const config = {
    compilerOptions: { ...compilerOptions, moduleDetection: "force", noEmit: true },
    files: fileNames,
  };
  const configPath = join(scratchDir, "tsconfig.json");
  await writeFile(configPath, JSON.stringify(config, null, 2));
  // Top-level await and ESM imports need the files to be ES modules.
  await writeFile(join(scratchDir, "package.json"), JSON.stringify({ type: "module", private: true }));
  return configPath;
}

test("every lesson has objectives, pitfalls, a Try it link to its lab and a flashcards link", async () => {
  const lessons = await loadLessons();
  for (const [slug, source] of lessons) {
    const where = `lessons/${slug}.mdx`;
    const frontmatter = /^---\n([\s\S]*?)\n---/.exec(source)?.[1] ?? "";
    assert.match(frontmatter, /^title:\s*\S/m, `${where}: frontmatter needs a title`);
    assert.match(frontmatter, /^description:\s*\S/m, `${where}: frontmatter needs a description`);
    assert.match(frontmatter, /^sidebar:\s*\n\s+order:\s*\d+/m, `${where}: frontmatter needs sidebar.order`);
    for (const heading of ["## Learning objectives", "## Pitfalls", "## Try it", "## Flashcards"]) {
      assert.ok(source.includes(`\n${heading}\n`), `${where}: missing section "${heading}"`);
    }
    const tryIt = source.split("\n## Try it\n")[1]?.split("\n## ")[0] ?? "";
    for (const lab of lessonLabs[slug] ?? []) {
      assert.ok(tryIt.includes(`](/labs/${lab}/)`), `${where}: "Try it" must link to /labs/${lab}/`);
    }
    const cards = source.split("\n## Flashcards\n")[1]?.split("\n## ")[0] ?? "";
    assert.ok(cards.includes(`](/flashcards/?lesson=${slug})`), `${where}: "Flashcards" must link to /flashcards/?lesson=${slug}`);
    // Lesson links must point at real lesson slugs (a typo here is a broken link on the site).
    for (const match of source.matchAll(/\]\(\/lessons\/([^/)#]+)\/?[^)]*\)/g)) {
      assert.ok(match[1] && match[1] in lessonLabs, `${where}: link to unknown lesson /lessons/${match[1]}/`);
    }
    for (const match of source.matchAll(/\]\(\/labs\/([^/)#]+)\/?[^)]*\)/g)) {
      const known = Object.values(lessonLabs).flat();
      assert.ok(match[1] && known.includes(match[1]), `${where}: link to unknown lab /labs/${match[1]}/`);
    }
  }
});

test("every ts code block in the lessons type-checks against the project's dependencies", { timeout: 300_000 }, async (t) => {
  const lessons = await loadLessons();
  const blocks = [...lessons].flatMap(([slug, source]) => extractBlocks(slug, source));
  const tsBlocks = blocks.filter((b) => b.lang === "ts" || b.lang === "typescript");
  const checked = tsBlocks.filter((b) => !isPartial(b.meta));
  const skipped = tsBlocks.length - checked.length;

  await rm(scratchDir, { recursive: true, force: true });
  await mkdir(scratchDir, { recursive: true });
  const origin = new Map<string, CodeBlock>();
  for (const block of checked) {
    const name = `${block.lesson}-${String(block.index).padStart(2, "0")}.ts`;
    origin.set(name, block);
    await writeFile(join(scratchDir, name), block.code + "\n");
  }
  const configPath = await scratchProject([...origin.keys()]);
  t.diagnostic(`lesson code blocks: ${checked.length} checked, ${skipped} skipped (partial)`);
  console.log(`lesson code blocks: ${checked.length} checked, ${skipped} skipped (partial)`);
  assert.ok(checked.length > 0, "no ts code blocks were checked");

  const tsc = join(root, "node_modules/.bin/tsc");
  const result = await run(tsc, ["-p", configPath, "--pretty", "false"], { cwd: scratchDir, maxBuffer: 16 << 20 })
    .then(() => ({ ok: true, output: "" }))
    .catch((error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ""}${error.stderr ?? ""}` }));

  // Point every diagnostic back at the lesson file and line the learner would read.
  const report = result.output.replace(/^([\w-]+\.ts)\((\d+),(\d+)\)/gm, (whole, file: string, line: string, col: string) => {
    const block = origin.get(file);
    return block ? `lessons/${block.lesson}.mdx:${block.line + Number(line)}:${col}` : whole;
  });
  assert.ok(result.ok, `lesson code does not type-check:\n${report}`);
});
