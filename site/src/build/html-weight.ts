/**
 * An Astro integration that rewrites the built HTML in two ways, after the build (issue 10: every
 * page type within 10 kB of gzipped HTML):
 *
 * 1. Inline code longer than `maxLength` visible characters, or holding markup, gets class "wrap"
 *    (see ../inline-code.ts): all other inline code stays on one line. Inline code from Markdown is a
 *    <code> with at most dir="auto"; a code block's <code> follows its <pre> and is left alone.
 * 2. Starlight's search button comes with an inline script (the same 470 bytes on every page) that
 *    shows its keyboard shortcut, as ⌘ K on Apple devices. It is dropped: components/Search.astro does
 *    the same from a cached module.
 * 3. Expressive Code colours each token with an inline style holding both themes' colours
 *    (`style="--0:#C792EA;--1:#8844AE"`), about 35 bytes a token. The site uses fewer than 50
 *    distinct ones, so each becomes a short class, defined once in a cached stylesheet with the
 *    same light/dark rules as Expressive Code's own.
 * 4. Astro and Starlight each name themselves in a <meta name="generator"> (about 30 bytes gzipped,
 *    on every page, of no use to a reader): both are dropped.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AstroIntegration } from "astro";
import { shortCodeLength } from "../inline-code.ts";

const visibleLength = (html: string) => html.replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, "_").length;

export function markLongCode(html: string, maxLength = shortCodeLength): string {
  return html.replace(/(<pre\b[^>]*>)?<code( dir="auto")?>(?:([^<]*)<\/code>)?/g, (whole, pre: string | undefined, dir: string | undefined, text: string | undefined) =>
    pre !== undefined || (text !== undefined && visibleLength(text) <= maxLength)
      ? whole
      : `<code${dir ?? ""} class="wrap">${text === undefined ? "" : `${text}</code>`}`,
  );
}

/** Starlight's inline script for the search shortcut (its components/Search.astro), whole. */
const searchShortcutScript = /<script>\s*\(\(\) => \{\s*const openBtn = document\.querySelector\('button\[data-open-modal\]'\);[^<]*?shortcut\.style\.display = '';\s*\}\)\(\);\s*<\/script>/;

/**
 * Drop the search button's inline shortcut script. A page with the button but not the script means
 * Starlight changed it: the build fails, rather than leave the shortcut hidden or shown twice.
 */
export function dropSearchShortcutScript(html: string, page = "a page"): string {
  if (!html.includes("data-open-modal")) return html;
  if (!searchShortcutScript.test(html))
    throw new Error(`${page} has Starlight's search button but not the inline script html-weight.ts drops: check components/Search.astro against Starlight's`);
  return html.replace(searchShortcutScript, "");
}

/** Drop every <meta name="generator" ...> from the page's head. */
export const dropGeneratorMeta = (html: string): string => html.replace(/<meta name="generator" content="[^"]*"\/?>/g, "");

const tokenSpan = /<span style="(--[01][^"]*)">/g;
const plainToken = /<span style="(--[01][^"]*)">([^<]*)<\/span>/g;
const properties: Record<string, string> = { "": "color", bg: "background-color", fs: "font-style", fw: "font-weight", td: "text-decoration" };

/**
 * Replace token styles with classes named in `classes` (style → class, filled as new ones appear).
 * A token whose style is `plain` (the code's own foreground in both themes, which it inherits anyway)
 * loses its span altogether: in TypeScript that is about one token in four.
 */
export function classifyTokens(html: string, classes: Map<string, string>, plain?: string): string {
  if (!html.includes('class="expressive-code"')) return html;
  const unwrapped = plain ? html.replace(plainToken, (whole, style: string, text: string) => (style.toUpperCase() === plain.toUpperCase() ? text : whole)) : html;
  return unwrapped.replace(tokenSpan, (_whole, style: string) => {
    let name = classes.get(style);
    if (!name) classes.set(style, (name = `t${classes.size.toString(36)}`));
    return `<span class="${name}">`;
  });
}

/** Token styles by how often they occur, most often first, so the commonest get the shortest class names. */
export function rankStyles(pages: string[], plain?: string): Map<string, string> {
  const counts = new Map<string, number>();
  for (const html of pages) {
    for (const [, style] of html.matchAll(tokenSpan)) if (style!.toUpperCase() !== plain?.toUpperCase()) counts.set(style!, (counts.get(style!) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  return new Map(ranked.map(([style], i) => [style, `t${i.toString(36)}`]));
}

/** The code's foreground in each theme (Expressive Code's --ec-codeFg, dark first) as a token style. */
export function plainStyle(ecCss: string): string | undefined {
  const colours = [...ecCss.matchAll(/--ec-codeFg:([^;}]+)/g)].map((m) => m[1]!.trim());
  return colours.length >= 2 ? `--0:${colours[0]};--1:${colours[1]}` : undefined;
}

/**
 * The stylesheet for those classes: theme 0 (dark) by default, theme 1 when the page is light. A
 * property only one theme sets falls back as in Expressive Code's own rules (inherit, or transparent
 * for a background), so a token coloured in one theme only takes its parent's colour in the other.
 */
export function tokenStylesheet(classes: Map<string, string>): string {
  const rules: string[] = [];
  for (const [style, name] of classes) {
    const themes: [Map<string, string>, Map<string, string>] = [new Map(), new Map()];
    for (const declaration of style.split(";")) {
      const match = /^--([01])(bg|fs|fw|td)?:(.+)$/.exec(declaration.trim());
      if (match) themes[Number(match[1]) as 0 | 1].set(match[2] ?? "", match[3]!);
    }
    const keys = [...new Set([...themes[0].keys(), ...themes[1].keys()])];
    const declarations = (theme: Map<string, string>) =>
      keys.map((key) => `${properties[key]}:${theme.get(key) ?? (key === "bg" ? "transparent" : "inherit")}`).join(";");
    rules.push(`.expressive-code .ec-line .${name}{${declarations(themes[0])}}`);
    rules.push(`:root:not([data-theme='dark']) .expressive-code .ec-line .${name}{${declarations(themes[1])}}`);
  }
  return `${rules.join("\n")}\n`;
}

export function htmlWeight(maxLength = shortCodeLength): AstroIntegration {
  return {
    name: "workbook:html-weight",
    hooks: {
      "astro:build:done": async ({ dir }) => {
        const root = fileURLToPath(dir);
        const pages = (await readdir(root, { recursive: true, withFileTypes: true }))
          .filter((entry) => entry.isFile() && entry.name.endsWith(".html"))
          .map((entry) => path.join(entry.parentPath, entry.name));
        const ecCss = (await readdir(path.join(root, "_astro"))).filter((name) => /^ec\.[\w-]+\.css$/.test(name));
        const plain = plainStyle((await Promise.all(ecCss.map((name) => readFile(path.join(root, "_astro", name), "utf8")))).join("\n"));
        const rewritten = new Map<string, string>();
        for (const file of pages) rewritten.set(file, markLongCode(dropSearchShortcutScript(dropGeneratorMeta(await readFile(file, "utf8")), file), maxLength));
        // A lab's files and solution pages are whole source files, far inside the budget: they keep
        // Expressive Code's own markup.
        const wholeFiles = (file: string) => /[\\/]labs[\\/][^\\/]+[\\/](files|solution)[\\/]index\.html$/.test(file);
        const tokenPages = [...rewritten.keys()].filter((file) => !wholeFiles(file));
        const classes = rankStyles(tokenPages.map((file) => rewritten.get(file)!), plain);
        for (const file of tokenPages) rewritten.set(file, classifyTokens(rewritten.get(file)!, classes, plain));
        const css = tokenStylesheet(classes);
        // Named after its content, like Astro's own assets, so it can be cached for good.
        const { createHash } = await import("node:crypto");
        const href = `/_astro/ec-tokens.${createHash("sha256").update(css).digest("hex").slice(0, 8)}.css`;
        await writeFile(path.join(root, href), css);
        for (const [file, html] of rewritten) {
          const linked = /<span class="t[0-9a-z]+">/.test(html) ? html.replace("</head>", `<link rel="stylesheet" href="${href}"></head>`) : html;
          await writeFile(file, linked);
        }
      },
    },
  };
}
