import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Loader } from "astro/loaders";
import { listLabs } from "../../../kit/labs.ts";
import { stepsOfLab } from "../../../kit/runner/steps.ts";
import type { SourceFile } from "./schema.ts";
import { hintAsMarkdown } from "./hint-markdown.ts";
import { todoLines, todoSteps } from "./todos.ts";
import { readBenchReference } from "./bench-reference.ts";
import { modelAnswerFile } from "../../../kit/contract/static.ts";

const languages: Record<string, string> = { ".ts": "ts", ".js": "js", ".json": "json", ".md": "md", ".yaml": "yaml", ".yml": "yaml" };

async function readSources(base: string, files: string[]): Promise<SourceFile[]> {
  const found: SourceFile[] = [];
  for (const file of files) {
    const code = await readFile(path.join(base, file), "utf8").catch(() => undefined);
    if (code !== undefined) found.push({ path: file, lang: languages[path.extname(file)] ?? "text", code, todos: todoSteps(code), todoLines: todoLines(code) });
  }
  return found;
}

/** The README's own `# Lab NN: Title` becomes the page title, so the body starts after it. */
const withoutTitle = (markdown: string) => markdown.replace(/^\s*# [^\n]*\n/, "");

/** A capstone's written model answer, rendered without its title; null when the lab has none. */
async function modelAnswer(file: string | undefined, renderMarkdown: (markdown: string) => Promise<{ html: string }>): Promise<string | null> {
  const markdown = file === undefined ? undefined : await readFile(file, "utf8").catch(() => undefined);
  return markdown === undefined ? null : (await renderMarkdown(withoutTitle(markdown))).html;
}

/**
 * One entry per lab, read only through kit/labs.ts `listLabs()` (the manifest schema lives
 * in the kit). The README is rendered with the site's Markdown pipeline.
 */
export function labsLoader(): Loader {
  return {
    name: "workbook-labs",
    async load({ store, renderMarkdown, generateDigest, logger }) {
      store.clear();
      const labs = await listLabs();
      for (const lab of labs) {
        const readme = await readFile(path.join(lab.dir, "README.md"), "utf8").catch(() => {
          throw new Error(`labs/${lab.id} has no README.md; every lab needs its instructions.`);
        });
        const steps = [];
        for (const step of stepsOfLab(lab)) {
          const rungsHtml: string[] = [];
          for (const rung of step.hints) rungsHtml.push((await renderMarkdown(hintAsMarkdown(rung))).html);
          steps.push({ title: step.title, rungsHtml });
        }
        const data = {
          manifest: lab.manifest,
          steps,
          starter: await readSources(lab.dir, lab.manifest.files),
          solution: await readSources(lab.solutionDir, lab.manifest.files),
          benchReference: await readBenchReference(lab.id, path.resolve(lab.dir, "../..")),
          modelAnswerHtml: await modelAnswer(lab.manifest.capstone === true ? path.join(lab.solutionDir, modelAnswerFile) : undefined, renderMarkdown),
        };
        store.set({ id: lab.id, data, body: readme, digest: generateDigest({ data, readme }), rendered: await renderMarkdown(withoutTitle(readme)) });
      }
      logger.info(`${labs.length} labs`);
    },
  };
}
