import { shortCodeLength } from "../inline-code.ts";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** Questions are one line of text; the only Markdown they use is `code`. Long code may wrap (../inline-code.ts). */
export const inlineCode = (text: string): string =>
  text
    .split("`")
    .map((part, index) => (index % 2 === 1 ? `<code${part.length > shortCodeLength ? ' class="wrap"' : ""}>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join("");
