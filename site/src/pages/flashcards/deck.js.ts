import type { APIRoute } from "astro";
import { loadDeck } from "../../flashcards/deck.ts";

/**
 * The deck as a script the flashcards page loads with its other scripts (not a fetch after
 * load), so review keeps working offline and the page's HTML stays small.
 */
export const GET: APIRoute = async () => {
  const { cards } = await loadDeck();
  // "<" is escaped so no answer can close the script or open a tag outside a string.
  const json = JSON.stringify(cards).replace(/</g, "\\u003c");
  const body = `globalThis.workbookDeck=${json};dispatchEvent(new Event("workbook-deck"));\n`;
  return new Response(body, { headers: { "content-type": "text/javascript; charset=utf-8" } });
};
