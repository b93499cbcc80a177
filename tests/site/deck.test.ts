import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { deckFileSchema, type Card } from "../../site/src/flashcards/schema.ts";
import { lessons } from "../../site/src/lessons.ts";
import { repoRoot } from "./helpers/build.ts";

const deckDir = path.join(repoRoot, "site", "src", "content", "flashcards");

async function readDeck(): Promise<Map<string, Card[]>> {
  const byFile = new Map<string, Card[]>();
  for (const file of (await readdir(deckDir)).filter((f) => f.endsWith(".yaml")).sort()) {
    const parsed = deckFileSchema.safeParse(parse(await readFile(path.join(deckDir, file), "utf8")));
    assert.ok(parsed.success, `${file}: ${parsed.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    byFile.set(file, parsed.data);
  }
  return byFile;
}

test("the flashcard deck is valid, large enough and covers every lesson", async () => {
  const byFile = await readDeck();
  const cards = [...byFile.values()].flat();
  const ids = cards.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length, "card ids are unique across the deck");
  assert.ok(cards.length >= 48, `the deck has ${cards.length} cards; it needs at least 48`);
  for (const [file, list] of byFile) {
    for (const card of list) assert.equal(`${card.lesson}.yaml`, file, `${card.id} sits in the file of its lesson`);
  }
  const perLesson = lessons.map(({ slug }) => `${slug}=${cards.filter((c) => c.lesson === slug).length}`);
  console.log(`# ${cards.length} cards (${cards.filter((c) => c.interview).length} interview): ${perLesson.join(" ")}`);
  for (const { slug } of lessons) assert.ok(cards.some((c) => c.lesson === slug), `lesson ${slug} has cards`);
  assert.ok(cards.some((c) => c.interview), "the deck includes interview questions");
});

test("the card schema rejects what an author could get wrong", () => {
  const good = { id: "a-card", lesson: "queues", question: "Q?", answer: "A.", tags: ["t"] };
  assert.equal(deckFileSchema.parse([good])[0]!.interview, false, "interview defaults to false");
  const bad: Record<string, unknown>[] = [
    { ...good, id: "Not Kebab" },
    { ...good, lesson: "no-such-lesson" },
    { ...good, question: "  " },
    { ...good, answer: "" },
    { ...good, tags: [] },
    { ...good, interview: "yes" },
    { ...good, extra: 1 },
  ];
  for (const card of bad) assert.equal(deckFileSchema.safeParse([card]).success, false, JSON.stringify(card));
});
