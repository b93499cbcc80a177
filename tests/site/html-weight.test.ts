// The build's HTML rewrites (site/src/build/html-weight.ts) and the lab page's README split
// (site/src/labs/how-to-run.ts), on small inputs: no site build needed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { inlineCode } from "../../site/src/flashcards/inline.ts";
import { classifyTokens, dropGeneratorMeta, dropSearchShortcutScript, markLongCode, plainStyle, rankStyles, tokenStylesheet } from "../../site/src/build/html-weight.ts";
import { splitAtCommands } from "../../site/src/labs/how-to-run.ts";

test("long inline code and inline code holding markup get class wrap; short inline code and code blocks do not", () => {
  const html =
    '<p><code dir="auto">?page=N&#x26;limit=M</code> and <code>a-very-long-identifier-that-may-wrap-anywhere()</code>' +
    ' and <code><a href="/x">x</a></code></p><pre class="a"><code><span>x</span></code></pre><pre><code>plain block of text longer than the limit</code></pre>';
  const out = markLongCode(html, 28);
  assert.match(out, /<code dir="auto">\?page=N&#x26;limit=M<\/code>/, "an entity counts as one character");
  assert.match(out, /<code class="wrap">a-very-long-identifier-that-may-wrap-anywhere\(\)<\/code>/);
  assert.match(out, /<code class="wrap"><a href="\/x">x<\/a><\/code>/);
  assert.match(out, /<pre class="a"><code><span>x<\/span><\/code><\/pre><pre><code>plain block of text longer than the limit<\/code><\/pre>$/);
  assert.equal(markLongCode("<code>" + "x".repeat(28) + "</code>", 28), "<code>" + "x".repeat(28) + "</code>", "28 characters still fit");
});

test("a flashcard's inline code follows the same rule as the pages'", () => {
  assert.equal(inlineCode("use `SET k v NX` or `a-very-long-identifier-that-may-wrap()` <b>"), 'use <code>SET k v NX</code> or <code class="wrap">a-very-long-identifier-that-may-wrap()</code> &lt;b&gt;');
});

test("the generator metas Astro and Starlight add are dropped, and nothing else", () => {
  const head = '<head><meta charset="utf-8"/><meta name="generator" content="Astro v7.3.5"/><meta name="generator" content="Starlight v0.42.4"/><title>T</title></head>';
  assert.equal(dropGeneratorMeta(head), '<head><meta charset="utf-8"/><title>T</title></head>');
});

test("Starlight's inline search-shortcut script is dropped, and a page whose search button lacks it fails the build", async () => {
  const { readFile } = await import("node:fs/promises");
  const source = await readFile(new URL(import.meta.resolve("@astrojs/starlight/components/Search.astro")), "utf8");
  const inline = source.slice(source.indexOf("<script is:inline>"), source.indexOf("</script>") + 9).replace("<script is:inline>", "<script>");
  assert.match(inline, /data-open-modal/, "the script is read from the installed Starlight");
  const page = `<button data-open-modal><kbd style="display: none;"><kbd>Ctrl</kbd></kbd></button>${inline}<script type="module" src="/a.js"></script>`;
  assert.equal(dropSearchShortcutScript(page), '<button data-open-modal><kbd style="display: none;"><kbd>Ctrl</kbd></kbd></button><script type="module" src="/a.js"></script>');
  assert.throws(() => dropSearchShortcutScript('<button data-open-modal></button><script>other()</script>', "/x/"), /\/x\/ has Starlight's search button/);
  assert.equal(dropSearchShortcutScript("<p>no search here</p>"), "<p>no search here</p>");
});

test("token styles become classes, with the same colours in each theme, and inherit where a theme sets none", () => {
  const classes = new Map<string, string>();
  const html = '<div class="expressive-code"><span style="--0:#C792EA;--1:#8844AE">import</span><span style="--0:#FFCB8B">x</span><span style="--0:#C792EA;--1:#8844AE">from</span></div>';
  const out = classifyTokens(html, classes);
  assert.equal(out, '<div class="expressive-code"><span class="t0">import</span><span class="t1">x</span><span class="t0">from</span></div>');
  const css = tokenStylesheet(classes);
  assert.match(css, /^\.expressive-code \.ec-line \.t0\{color:#C792EA\}$/m);
  assert.match(css, /^:root:not\(\[data-theme='dark'\]\) \.expressive-code \.ec-line \.t0\{color:#8844AE\}$/m);
  assert.match(css, /^:root:not\(\[data-theme='dark'\]\) \.expressive-code \.ec-line \.t1\{color:inherit\}$/m);
  assert.equal(classifyTokens('<span style="--depth: 0;">x</span>', classes), '<span style="--depth: 0;">x</span>', "other custom properties are left alone");
});

test("a token in the code's own colour in both themes loses its span; the commonest styles get the shortest names", () => {
  const plain = plainStyle(".a{--ec-codeFg:#d6deeb;x:1}:root[data-theme='light'] .a{--ec-codeFg:#403f53}");
  assert.equal(plain, "--0:#d6deeb;--1:#403f53");
  const page = '<div class="expressive-code"><span style="--0:#D6DEEB;--1:#403F53"> { Redis } </span><span style="--0:#C792EA;--1:#8844AE">from</span><span style="--0:#C792EA;--1:#8844AE">import</span><span style="--0:#FFCB8B">x</span></div>';
  const classes = rankStyles([page], plain);
  assert.deepEqual([...classes.values()], ["t0", "t1"], "the plain style gets no class");
  assert.equal(classes.get("--0:#C792EA;--1:#8844AE"), "t0", "the style used twice comes first");
  assert.equal(classifyTokens(page, classes, plain), '<div class="expressive-code"> { Redis } <span class="t0">from</span><span class="t0">import</span><span class="t1">x</span></div>');
  assert.equal(classifyTokens('<span style="--0:#D6DEEB">x</span>', classes, plain), '<span style="--0:#D6DEEB">x</span>', "outside a code block nothing changes");
});

const block = (lines: string[]) =>
  `<div class="expressive-code"><link rel="stylesheet" href="/_astro/ec.css"><figure class="frame is-terminal"><figcaption class="header"><span class="sr-only">Terminal window</span></figcaption><pre><code>${lines
    .map((l) => `<div class="ec-line"><div class="code">${l}</div></div>`)
    .join("")}</code></pre></figure></div>`;

test("the README's block of lab commands makes way for the page's own list; its stylesheet link is kept", () => {
  const html = `<h2 id="goal">Goal</h2><p>g</p><h2 id="how-to-run">How to run</h2>${block(["npm run lab -- test 1   # run", "npm run lab -- bench 1"])}<p>By hand:</p>${block(["node src/server.ts"])}<h2 id="done-when">Done when</h2>`;
  const split = splitAtCommands(html);
  assert.ok(split.before.endsWith('<h2 id="how-to-run">How to run</h2>'));
  assert.ok(split.after.startsWith("<p>By hand:</p>"));
  assert.ok(split.after.includes("node src/server.ts"), "a block that runs the app by hand stays");
  assert.equal(split.assets, '<link rel="stylesheet" href="/_astro/ec.css">');
});

test("a How to run section that opens with something else keeps all of it", () => {
  const html = `<h2 id="how-to-run">How to run</h2>${block(["node src/server.ts", "npm run lab -- test 1"])}<h2 id="x">X</h2>`;
  const split = splitAtCommands(html);
  assert.equal(split.before + split.after, html);
  assert.equal(split.assets, "");
  const none = splitAtCommands("<h2 id=\"goal\">Goal</h2>");
  assert.equal(none.before, '<h2 id="goal">Goal</h2>');
  assert.equal(none.after, "");
});
