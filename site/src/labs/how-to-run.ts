/**
 * A lab README's "How to run" section opens with a block of `npm run lab -- ...` commands, which the
 * lab page shows as its own list (with copy buttons, `lab start` and the service backends). This
 * splits the rendered README so the page puts that list in the block's place: the commands appear
 * once, and the README's own notes (running by hand, settings) stay where they were.
 */
export interface SplitReadme {
  /** Everything up to the place of the commands block (the "How to run" heading included). */
  before: string;
  /** Everything after it. Empty `before` and all in `after` when there is no such section. */
  after: string;
  /** Style and script tags from the removed block, which later code blocks on the page rely on. */
  assets: string;
}

const headingPattern = /<h2[^>]*\bid="how-to-run"[^>]*>[\s\S]*?<\/h2>(\s*<a [^>]*class="sl-anchor-link"[\s\S]*?<\/a>\s*<\/div>)?/;
const blockStart = '<div class="expressive-code">';
const blockEnd = "</figure></div>";

const textOf = (html: string) =>
  html
    .replace(/<figcaption[\s\S]*?<\/figcaption>/g, "")
    .replace(/<div class="ec-line">/g, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&#x3C;/g, "<")
    .replace(/&amp;/g, "&");

export function splitAtCommands(html: string): SplitReadme {
  const heading = headingPattern.exec(html);
  if (!heading) return { before: html, after: "", assets: "" };
  const sectionStart = heading.index + heading[0].length;
  const nextHeading = html.slice(sectionStart).search(/<(h2|div class="sl-heading-wrapper level-h2")\b/);
  const sectionEnd = nextHeading === -1 ? html.length : sectionStart + nextHeading;
  const start = html.indexOf(blockStart, sectionStart);
  const end = start === -1 ? -1 : html.indexOf(blockEnd, start);
  if (start === -1 || end === -1 || end > sectionEnd) return { before: html.slice(0, sectionStart), after: html.slice(sectionStart), assets: "" };
  const block = html.slice(start, end + blockEnd.length);
  const lines = textOf(block).split("\n").map((line) => line.trim()).filter(Boolean);
  // Only a block made of lab commands goes; a block that runs the app by hand stays.
  if (lines.length === 0 || !lines.every((line) => /^npm run lab -- \w+/.test(line))) {
    return { before: html.slice(0, sectionStart), after: html.slice(sectionStart), assets: "" };
  }
  const assets = (block.match(/<link [^>]*>|<script [^>]*><\/script>/g) ?? []).join("");
  return { before: html.slice(0, start), after: html.slice(end + blockEnd.length), assets };
}
