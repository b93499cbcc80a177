import { getCollection } from "astro:content";
import { lessons, lessonTitle } from "../lessons.ts";
import { inlineCode } from "./inline.ts";

/** A card as the browser receives it: Markdown already rendered to HTML at build time. */
export interface DeckCard {
  id: string;
  lesson: string;
  lessonTitle: string;
  questionHtml: string;
  answerHtml: string;
  interview: boolean;
}

// Expressive Code puts its stylesheet and script tags inside each code block; the page loads
// them once instead, so inserting an answer never starts a network request.
const assetTag = /<link rel="stylesheet" href="[^"]+"\/?>|<script type="module" src="[^"]+"><\/script>/g;

/** The whole deck in course order, plus the asset tags its answers need. */
export async function loadDeck(): Promise<{ cards: DeckCard[]; assets: string[] }> {
  const order = new Map<string, number>(lessons.map((l, i) => [l.slug, i]));
  const entries = (await getCollection("flashcards")).sort((a, b) => (order.get(a.data.lesson) ?? 0) - (order.get(b.data.lesson) ?? 0));
  const assets = new Set<string>();
  const cards = entries.map(({ id, data, rendered }) => ({
    id,
    lesson: data.lesson,
    lessonTitle: lessonTitle(data.lesson),
    questionHtml: inlineCode(data.question),
    answerHtml: (rendered?.html ?? "").replace(assetTag, (tag) => {
      assets.add(tag);
      return "";
    }),
    interview: data.interview,
  }));
  return { cards, assets: [...assets] };
}
