import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { parse } from "yaml";
import type { Loader } from "astro/loaders";
import { deckFileSchema } from "./schema.ts";

/**
 * Loads every card from the deck folder (one YAML list per lesson), checks ids are unique
 * across files, and renders each answer's Markdown to HTML so the browser ships no parser.
 * Errors name the file and the card so an author can fix them.
 */
export function deckLoader(folder: URL): Loader {
  const dir = fileURLToPath(folder);
  return {
    name: "workbook-deck",
    async load({ store, renderMarkdown, generateDigest, logger }) {
      const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f)).sort();
      const seen = new Map<string, string>();
      store.clear();
      for (const file of files) {
        const text = await readFile(path.join(dir, file), "utf8");
        const parsed = deckFileSchema.safeParse(parse(text));
        if (!parsed.success) {
          const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(top level)"}: ${i.message}`);
          throw new Error(`site/src/content/flashcards/${file} is not a valid deck file:\n${problems.join("\n")}`);
        }
        for (const card of parsed.data) {
          const other = seen.get(card.id);
          if (other) throw new Error(`Flashcard id "${card.id}" appears in both ${other} and ${file}; ids must be unique.`);
          seen.set(card.id, file);
          store.set({
            id: card.id,
            data: card,
            digest: generateDigest(card),
            rendered: await renderMarkdown(card.answer),
            filePath: `src/content/flashcards/${file}`,
          });
        }
      }
      logger.info(`${seen.size} cards from ${files.length} files`);
    },
  };
}
