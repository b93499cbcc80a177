/**
 * Inline code stays on one line (styles/inline-code.css), so that something like `?page=N&limit=M`
 * never breaks after its "?" or a "/". Code longer than this many visible characters may wrap, or it
 * would push a phone-width page sideways: it is marked with class "wrap", by the build for pages
 * (build/html-weight.ts) and in the browser for flashcards (flashcards/inline.ts). Marking the few
 * long ones instead of the many short ones keeps the class off most code on a page.
 */
export const shortCodeLength = 28;
