/**
 * The module specifiers a TypeScript or JavaScript file imports: static imports and re-exports (type-only
 * ones included: they are a dependency too), side-effect imports, `import("...")` and `require("...")`.
 * A small lexer rather than a regular expression over the text, so that an import written inside a string,
 * a template literal or a comment (the kit's tests write fixture files that way) does not count.
 */
export interface ImportSite {
  specifier: string;
  line: number;
}

type Token = { kind: "word" | "string" | "punct"; text: string; line: number };

const keywordsBeforeRegex = new Set(["return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw", "yield", "await", "instanceof"]);

/** Words, punctuation and the values of plain string literals; comments, template text and regular expressions are skipped. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  // One entry per open template literal: the brace depth of the `${` expression being read, or -1 while in its text.
  const templates: number[] = [];
  const previous = () => tokens[tokens.length - 1];
  const regexMayStart = () => {
    const last = previous();
    if (!last) return true;
    if (last.kind === "punct") return last.text !== ")" && last.text !== "]";
    if (last.kind === "word") return keywordsBeforeRegex.has(last.text);
    return false;
  };
  const readTemplateText = () => {
    // Inside a template literal's text: up to its end or to the next `${`.
    while (i < source.length) {
      const c = source[i]!;
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        templates.pop();
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        templates[templates.length - 1] = 0;
        return;
      } else {
        if (c === "\n") line++;
        i++;
      }
    }
  };
  while (i < source.length) {
    const top = templates.length > 0 ? templates[templates.length - 1]! : undefined;
    if (top === -1) {
      readTemplateText();
      continue;
    }
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end === -1 ? source.length : end + 2;
      for (let j = i; j < stop; j++) if (source[j] === "\n") line++;
      i = stop;
    } else if (c === '"' || c === "'") {
      let value = "";
      i++;
      while (i < source.length && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\") {
          value += source[i + 1] ?? "";
          i += 2;
        } else value += source[i++];
      }
      i++;
      tokens.push({ kind: "string", text: value, line });
    } else if (c === "`") {
      i++;
      templates.push(-1);
      // A template stands for a value, like a string, for the regex rule that follows it.
      tokens.push({ kind: "string", text: "", line });
    } else if (c === "/" && regexMayStart()) {
      let inClass = false;
      i++;
      while (i < source.length && source[i] !== "\n") {
        const r = source[i]!;
        if (r === "\\") i += 2;
        else {
          i++;
          if (r === "[") inClass = true;
          else if (r === "]") inClass = false;
          else if (r === "/" && !inClass) break;
        }
      }
      while (i < source.length && /[a-z]/i.test(source[i]!)) i++;
      tokens.push({ kind: "string", text: "", line });
    } else if (/[A-Za-z_$]/.test(c)) {
      let word = "";
      while (i < source.length && /[\w$]/.test(source[i]!)) word += source[i++];
      tokens.push({ kind: "word", text: word, line });
    } else if (/\d/.test(c)) {
      while (i < source.length && /[\w.]/.test(source[i]!)) i++;
      tokens.push({ kind: "word", text: "0", line });
    } else {
      if (top !== undefined && c === "{") templates[templates.length - 1] = top + 1;
      if (top !== undefined && c === "}") {
        if (top === 0) {
          // The end of a `${...}` expression: back to the template's text.
          templates[templates.length - 1] = -1;
          i++;
          continue;
        }
        templates[templates.length - 1] = top - 1;
      }
      tokens.push({ kind: "punct", text: c, line });
      i++;
    }
  }
  return tokens;
}

/** Every module specifier `source` imports, with the line it is on. */
export function importsOf(source: string): ImportSite[] {
  const tokens = tokenize(source);
  const sites: ImportSite[] = [];
  const at = (k: number) => tokens[k];
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    if (token.kind !== "word") continue;
    const before = at(k - 1);
    // `x.import` or `x.require` is a property, not the keyword.
    if (before?.kind === "punct" && before.text === ".") continue;
    const after = at(k + 1);
    if ((token.text === "import" || token.text === "require") && after?.text === "(" && at(k + 2)?.kind === "string" && at(k + 3)?.text === ")") {
      const specifier = at(k + 2)!;
      if (specifier.text) sites.push({ specifier: specifier.text, line: specifier.line });
      continue;
    }
    if (token.text === "import" && after?.kind === "string") {
      sites.push({ specifier: after.text, line: after.line });
      continue;
    }
    const clauseStarts = token.text === "import" ? after && (after.kind === "word" || after.text === "{" || after.text === "*") : token.text === "export" && after && (after.text === "{" || after.text === "*" || (after.text === "type" && (at(k + 2)?.text === "{" || at(k + 2)?.text === "*")));
    if (!clauseStarts) continue;
    if (token.text === "import" && after!.text === "meta") continue;
    // The clause ends at `from "..."`; anything else (a `;`, another statement) means there is no specifier.
    for (let j = k + 1; j < tokens.length && j < k + 400; j++) {
      const t = tokens[j]!;
      if (t.kind === "punct" && t.text === ";") break;
      if (t.kind === "word" && t.text === "from" && at(j + 1)?.kind === "string") {
        sites.push({ specifier: at(j + 1)!.text, line: at(j + 1)!.line });
        break;
      }
      if (t.kind === "string") break;
    }
  }
  return sites;
}
