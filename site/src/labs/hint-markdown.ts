/**
 * Hints are written in lab.json as Markdown with inline code, never as HTML. Text such as
 * `WeakSet<object>` written outside backticks would otherwise reach the page as a raw `<object>`
 * tag and swallow the rest of the lab page. Outside code spans, `<` and `>` are escaped, so a hint
 * always shows exactly what its author typed.
 */
export function hintAsMarkdown(hint: string): string {
  // A code span is a run of backticks, anything, and the same run of backticks (CommonMark).
  const codeSpan = /(`+)[\s\S]*?(?<!`)\1(?!`)/g;
  let out = "";
  let last = 0;
  for (const match of hint.matchAll(codeSpan)) {
    out += escapeAngles(hint.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + escapeAngles(hint.slice(last));
}

const escapeAngles = (text: string) => text.replace(/</g, "&lt;").replace(/>/g, "&gt;");
