import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { before, test } from "node:test";
import { distDir, ensureBuilt } from "./helpers/build.ts";
import { gzipSize, pageJs } from "./helpers/assets.ts";
import { htmlFile, listPages } from "./helpers/pages.ts";

/**
 * Budgets from issue 10, gzipped bytes, measured from dist/: 10 kB of HTML for every page type
 * (Starlight's own CI budget is 7 kB), 12 kB of JS on a lesson, 40 kB of JS code on the flashcards
 * page. The deck that page loads (flashcards/deck.js) is content, not code: it grows by about 200 B
 * with every card the course adds, so it is held to a budget per card instead. A lab page holds the README; its hint ladders have a page of
 * their own (/labs/NN-slug/hints/), as its solution does.
 */
const kB = 1000;
const budgets = {
  lessonJs: 12 * kB,
  flashcardsJs: 40 * kB,
  deckPerCard: 250,
  html: { lesson: 10 * kB, lab: 10 * kB, flashcards: 10 * kB, other: 10 * kB } satisfies Record<Kind, number>,
};

type Kind = "lesson" | "lab" | "flashcards" | "other";
const kindOf = (page: string): Kind =>
  page.startsWith("/lessons/") ? "lesson" : /^\/labs\/\d\d-/.test(page) ? "lab" : page === "/flashcards/" ? "flashcards" : "other";

interface Measured {
  page: string;
  kind: Kind;
  html: number;
  js: number;
}
let measured: Measured[] = [];
/** The deck: content that grows with every card, so it has its own budget per card. */
let deck = { bytes: 0, cards: 0 };

before(async () => {
  await ensureBuilt();
  measured = await Promise.all(
    (await listPages()).map(async (page) => {
      const html = await readFile(htmlFile(page), "utf8");
      return { page, kind: kindOf(page), html: gzipSize(html), js: (await pageJs(html)).bytes };
    }),
  );
  const deckScript = await readFile(path.join(distDir, "flashcards", "deck.js"), "utf8");
  deck = { bytes: gzipSize(deckScript), cards: (JSON.parse(deckScript.slice(deckScript.indexOf("=") + 1, deckScript.lastIndexOf("];") + 1)) as unknown[]).length };
  // The flashcards page's code, without the deck it loads.
  for (const m of measured) if (m.kind === "flashcards") m.js -= deck.bytes;
  const kb = (n: number) => `${(n / kB).toFixed(1)} kB`;
  const summary = (["lesson", "lab", "flashcards", "other"] as const).map((kind) => {
    const pages = measured.filter((m) => m.kind === kind);
    const max = (key: "html" | "js") => Math.max(0, ...pages.map((m) => m[key]));
    return `# ${kind.padEnd(10)} pages=${String(pages.length).padStart(2)}  max JS ${kb(max("js")).padStart(8)}  max HTML ${kb(max("html")).padStart(8)}`;
  });
  console.log(`# budgets (gzip) measured from site/dist:\n${summary.join("\n")}\n# deck       cards=${deck.cards}  ${kb(deck.bytes)} (${Math.round(deck.bytes / deck.cards)} B a card)`);
});

test("JS on every lesson page stays within 12 kB gzip", () => {
  const lessons = measured.filter((m) => m.kind === "lesson");
  assert.ok(lessons.length > 0, "no lesson pages were built");
  for (const m of lessons) assert.ok(m.js <= budgets.lessonJs, `${m.page}: ${m.js} B of JS > ${budgets.lessonJs} B`);
});

test("JS code on the flashcards page stays within 40 kB gzip (the deck it loads has its own budget)", () => {
  const page = measured.find((m) => m.kind === "flashcards");
  assert.ok(page, "the flashcards page was not built");
  assert.ok(deck.bytes > 0 && page.js > 0, "the page's code and its deck were both measured");
  assert.ok(page.js <= budgets.flashcardsJs, `${page.js} B of JS > ${budgets.flashcardsJs} B`);
});

test("the deck costs at most 250 B gzip a card, so the page grows with the course only by its content", () => {
  assert.ok(deck.cards >= 50, `expected the whole deck in flashcards/deck.js; found ${deck.cards} cards`);
  assert.ok(deck.bytes / deck.cards <= budgets.deckPerCard, `${deck.bytes} B for ${deck.cards} cards is ${Math.round(deck.bytes / deck.cards)} B a card > ${budgets.deckPerCard} B`);
});

for (const kind of ["lesson", "lab", "flashcards", "other"] as const) {
  test(`HTML of every ${kind} page stays within ${budgets.html[kind] / kB} kB gzip`, () => {
    const pages = measured.filter((m) => m.kind === kind);
    assert.ok(pages.length > 0, `no ${kind} pages were built`);
    for (const m of pages) assert.ok(m.html <= budgets.html[kind], `${m.page}: ${m.html} B of HTML > ${budgets.html[kind]} B`);
  });
}
