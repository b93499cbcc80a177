import assert from "node:assert/strict";
import { test } from "node:test";
import { hintAsMarkdown } from "../../site/src/labs/hint-markdown.ts";

test("angle brackets outside code spans are escaped, so a hint cannot open an HTML element", () => {
  assert.equal(hintAsMarkdown("const seen = new WeakSet<object>();"), "const seen = new WeakSet&lt;object&gt;();");
  assert.equal(hintAsMarkdown("<details>open</details>"), "&lt;details&gt;open&lt;/details&gt;");
});

test("code spans are left exactly as written, whatever their length of backticks", () => {
  assert.equal(hintAsMarkdown("use `Map<string, number>` here"), "use `Map<string, number>` here");
  assert.equal(hintAsMarkdown("a ``x `y` <z>`` b <c>"), "a ``x `y` <z>`` b &lt;c&gt;");
});

test("an unclosed backtick does not protect what follows it", () => {
  assert.equal(hintAsMarkdown("a ` b <i>"), "a ` b &lt;i&gt;");
});
