/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
// At a phone's 390 px, what a reader came for stays in view: an experiment's recorded numbers wrap
// instead of running past the edge, and a table of up to three columns (a lab's route table) fits
// its column. A code block that scrolls inside itself is fine: its lines are code, not results.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newContext, openSite, type SiteUnderTest } from "./helpers/browser.ts";
import { listPages } from "./helpers/pages.ts";

let site: SiteUnderTest;
before(async () => {
  site = await openSite();
});
after(async () => {
  await site?.close();
});

const width = 390;

/** Lessons and lab pages (a lab's file listings are code, which scrolls inside itself). */
const readingPages = async () => (await listPages()).filter((p) => /^\/(lessons|labs)\/[^/]+\/$/.test(p));

test(`at ${width} px no experiment output and no table of up to three columns is cut off`, async () => {
  const context = await newContext(site, { width });
  const page = await context.newPage();
  const cut: string[] = [];
  let outputs = 0;
  let tables = 0;
  for (const path of await readingPages()) {
    await page.goto(`${site.baseUrl}${path}`, { waitUntil: "load" });
    const found = await page.evaluate(() => {
      const hidden = (el: Element) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > document.documentElement.clientWidth + 1;
      const outputs = [...document.querySelectorAll("figure[data-xp] > pre")];
      const tables = [...document.querySelectorAll(".sl-markdown-content table")].filter((t) => (t.querySelector("tr")?.children.length ?? 0) <= 3);
      return {
        outputs: outputs.length,
        tables: tables.length,
        cut: [...outputs, ...tables].filter(hidden).map((el) => `${el.tagName.toLowerCase()} ${el.scrollWidth} px wide in ${el.clientWidth} px: "${(el.textContent ?? "").trim().slice(0, 40)}"`),
        pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    });
    outputs += found.outputs;
    tables += found.tables;
    cut.push(...found.cut.map((c) => `${path}: ${c}`));
    if (found.pageOverflow > 0) cut.push(`${path}: the page scrolls sideways by ${found.pageOverflow} px`);
  }
  assert.ok(outputs >= 10, `only ${outputs} experiment outputs checked`);
  assert.ok(tables >= 10, `only ${tables} tables checked`);
  assert.deepEqual(cut, []);
  await context.close();
});

test(`at ${width} px lab 09's route table shows every route and answer without scrolling`, async () => {
  const context = await newContext(site, { width });
  const page = await context.newPage();
  await page.goto(`${site.baseUrl}/labs/09-load-balancing/`, { waitUntil: "load" });
  const table = page.locator(".sl-markdown-content table").filter({ hasText: "/admin/ready" }).first();
  const cells = await table.locator("td").evaluateAll((tds) => {
    const right = document.documentElement.clientWidth;
    return tds.map((td) => ({ text: (td.textContent ?? "").slice(0, 30), right: Math.round(td.getBoundingClientRect().right) })).filter((c) => c.right > right);
  });
  assert.deepEqual(cells, [], "cells past the right edge of the screen");
  await context.close();
});
