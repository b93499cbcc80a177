/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { axeFor } from "./helpers/axe.ts";
import { newContext, openSite, type SiteUnderTest } from "./helpers/browser.ts";
import { listPages } from "./helpers/pages.ts";

const themes = ["light", "dark"] as const;
// One site server per theme: each has its own progress file, so hints the light pass opens can
// never open rungs on the dark pass's pages while it is clicking them.
const sites = new Map<(typeof themes)[number], SiteUnderTest>();
let pages: string[] = [];

before(async () => {
  for (const theme of themes) sites.set(theme, await openSite());
  pages = await listPages();
});
after(async () => {
  for (const site of sites.values()) await site.close();
});

/**
 * What decides the contrast of each highlighted token in the page's code blocks: its colour, its size and
 * weight, and the first opaque background behind it. Pages repeat the same few dozen combinations in
 * thousands of spans, and checking those spans was most of the audit's time.
 */
async function codeTokenLooks(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const looks = new Set<string>();
    for (const span of document.querySelectorAll("pre span")) {
      if (![...span.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())) continue;
      const style = getComputedStyle(span);
      let background = "";
      for (let el: Element | null = span; el && !background; el = el.parentElement) {
        const bg = getComputedStyle(el).backgroundColor;
        if (bg !== "transparent" && !/rgba\(.*,\s*0\)$/.test(bg)) background = bg;
      }
      looks.add(`${style.color} ${style.fontSize} ${style.fontWeight} ${style.opacity} on ${background}`);
    }
    return [...looks];
  });
}

/**
 * Serious and critical axe violations, one line each, so a failure says what and where. `rules` limits the
 * run to some rules; code tokens whose every look (codeTokenLooks) an earlier page of this pass has had
 * audited are left out, so each look is audited at least once per theme.
 */
async function seriousViolations(page: Page, label: string, auditedLooks: Set<string>, rules?: string[]): Promise<string[]> {
  // axeFor carries one fix to axe-core's handling of fixed elements; see helpers/axe.ts.
  const looks = await codeTokenLooks(page);
  const builder = axeFor(page);
  if (rules) builder.withRules(rules);
  if (looks.length > 0 && looks.every((look) => auditedLooks.has(look))) builder.exclude("pre span");
  else for (const look of looks) auditedLooks.add(look);
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${label}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}

/** Interactive states whose markup only exists after a click: check those too. */
async function openInteractiveParts(page: Page, path: string) {
  if (path === "/flashcards/") {
    // A recorded review log, so that the statistics have bars and numbers to check.
    const log = await readFile(new URL("./fixtures/review-log.json", import.meta.url), "utf8");
    await page.evaluate((progress) => localStorage.setItem("workbook:flashcards:v1", progress), JSON.stringify(JSON.parse(log).progress));
    await page.reload();
    await page.locator("article[data-card]:visible").waitFor();
    await page.locator("[data-reveal]").click();
    await page.locator("[data-stats] > summary").click();
    await page.locator('[data-stat="stability"]').waitFor();
  }
  // Open every hint rung, in the order the page allows (each opens the next), so the audit sees them.
  const rungs = await page.locator("lab-hints details").count();
  if (/^\/labs\/\d{2}-[a-z0-9-]+\/hints\/$/.test(path)) assert.ok(rungs > 0, `${path}: expected the lab's hint ladders`);
  // The ladder has loaded the remembered rungs (from this theme's own progress file) and shows them.
  if (rungs > 0) await page.locator("lab-hints[data-ready]").waitFor({ state: "attached" });
  const settled = () =>
    page.waitForFunction(() => {
      const all = [...document.querySelectorAll("lab-hints details")] as HTMLDetailsElement[];
      return all.every((d) => d.open) || all.some((d) => !d.open && !d.hidden);
    });
  for (let i = 0; i < rungs; i++) {
    await settled();
    const next = page.locator("lab-hints details:not([open]):not([hidden]) > summary").first();
    if ((await next.count()) === 0) break;
    // Click where a reader does, on the words "Hint N of M" at the summary's start.
    await next.click({ position: { x: 12, y: 8 } });
  }
  await settled();
  assert.equal(await page.locator("lab-hints details[open]").count(), rungs, `${path}: expected every hint rung open before the audit`);
  if (await page.locator(".lab-solution summary").count()) await page.locator(".lab-solution summary").click();
}

/**
 * The rules whose verdict depends on colour: axe-core's "cat.color" tag, less color-contrast-enhanced (AAA),
 * which axe leaves off by default. The themes change colours only (the markup is the same), so the light pass
 * runs every rule and the dark pass these.
 */
const colourRules = ["color-contrast", "link-in-text-block"];

// Light and dark run side by side in two browser contexts: the audit is CPU-bound and this
// halves its wall time on a 2-core machine.
describe("axe, every page", { concurrency: 2 }, () => {
for (const theme of themes) {
  test(`no serious or critical axe violations on any page in ${theme} mode`, async () => {
    const site = sites.get(theme)!;
    const context = await newContext(site, { theme });
    const page = await context.newPage();
    const problems: string[] = [];
    const auditedLooks = new Set<string>();
    for (const path of pages) {
      await page.goto(`${site.baseUrl}${path}`);
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme, `${path} is in ${theme} mode`);
      await openInteractiveParts(page, path);
      problems.push(...(await seriousViolations(page, `${path} [${theme}]`, auditedLooks, theme === "dark" ? colourRules : undefined)));
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
}
});
