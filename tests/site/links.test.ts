import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { before, test } from "node:test";
import { distDir, ensureBuilt } from "./helpers/build.ts";
import { htmlFile, listPages } from "./helpers/pages.ts";

/** Every internal link and anchor in dist/ must land on a real page and a real id. */
interface Page {
  path: string;
  html: string;
  ids: Set<string>;
}
let pages = new Map<string, Page>();

const decode = (s: string) => s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'");

before(async () => {
  await ensureBuilt();
  for (const page of await listPages()) {
    const html = await readFile(htmlFile(page), "utf8");
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => decode(m[1]!)));
    pages.set(page, { path: page, html, ids });
  }
});

async function exists(file: string) {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

test("no broken internal links or anchors", async () => {
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages.values()) {
    const links = [...page.html.matchAll(/<a\b[^>]*\shref="([^"]*)"/g)].map((m) => decode(m[1]!));
    for (const href of links) {
      if (/^(https?:|mailto:|tel:|javascript:)/.test(href) || href === "") continue;
      checked++;
      const url = new URL(href, `http://site${page.path}`);
      const target = url.pathname;
      const anchor = url.hash ? decodeURIComponent(url.hash.slice(1)) : undefined;
      const targetPage = pages.get(target);
      if (!targetPage) {
        if (!(await exists(path.join(distDir, decodeURIComponent(target))))) broken.push(`${page.path} → ${href} (no such page)`);
        continue;
      }
      if (anchor && !targetPage.ids.has(anchor)) broken.push(`${page.path} → ${href} (no id "${anchor}" on ${target})`);
    }
  }
  console.log(`# checked ${checked} internal links on ${pages.size} pages`);
  assert.ok(checked > pages.size, "expected links on every page");
  assert.deepEqual(broken, []);
});

test("assets referenced by pages exist", async () => {
  const missing = new Set<string>();
  for (const page of pages.values()) {
    for (const m of page.html.matchAll(/<(?:script|img|link)\b[^>]*\s(?:src|href)="(\/[^"]*)"/g)) {
      const file = path.join(distDir, decodeURIComponent(m[1]!.replace(/[?#].*$/, "")));
      if (!m[1]!.endsWith("/") && !(await exists(file))) missing.add(`${page.path} → ${m[1]}`);
    }
  }
  assert.deepEqual([...missing], []);
});
