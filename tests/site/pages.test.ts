/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { listLabs } from "../../kit/labs.ts";
import { lessons } from "../../site/src/lessons.ts";
import { newContext, openSite, watchErrors, type SiteUnderTest } from "./helpers/browser.ts";
import { repoRoot } from "./helpers/build.ts";
import { listPages } from "./helpers/pages.ts";

let site: SiteUnderTest;
let pages: string[] = [];

before(async () => {
  site = await openSite();
  pages = await listPages();
});
after(async () => {
  await site?.close();
});

test("all twelve lessons, every lab in labs/, and the flashcards are built", async () => {
  for (const { slug } of lessons) assert.ok(pages.includes(`/lessons/${slug}/`), `missing lesson page /lessons/${slug}/`);
  for (const lab of await listLabs(repoRoot)) assert.ok(pages.includes(`/labs/${lab.id}/`), `missing lab page /labs/${lab.id}/`);
  assert.ok(pages.includes("/flashcards/"));
  assert.ok(pages.includes("/"));
});

// Desktop and phone widths run side by side in two browser contexts.
describe("every page", { concurrency: 2 }, () => {
  for (const width of [1280, 360]) {
    test(`loads with no console errors${width === 360 ? " and no horizontal overflow at 360 px" : ""} (${width} px)`, async () => {
      const context = await newContext(site, { width });
      const page = await context.newPage();
      const errors = watchErrors(page);
      const problems: string[] = [];
      for (const path of pages) {
        errors.length = 0;
        const response = await page.goto(`${site.baseUrl}${path}`, { waitUntil: "networkidle" });
        if (response?.status() !== 200) problems.push(`${path}: HTTP ${response?.status()}`);
        problems.push(...errors.map((e) => `${path}: ${e}`));
        if (width === 360) {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 0) problems.push(`${path}: ${overflow}px of horizontal overflow at 360 px`);
        }
      }
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
});

test("navigation: lesson → its lab → back to the lesson", async () => {
  const labs = await listLabs(repoRoot);
  assert.ok(labs.length > 0, "no labs to navigate to");
  const context = await newContext(site);
  const page = await context.newPage();
  for (const lab of labs) {
    const lessonUrl = `${site.baseUrl}/lessons/${lab.manifest.lesson}/`;
    await page.goto(lessonUrl);
    const toLab = page.locator(`main a[href="/labs/${lab.id}/"]`).first();
    assert.ok((await toLab.count()) > 0, `lesson ${lab.manifest.lesson} links to its lab ${lab.id}`);
    await Promise.all([page.waitForURL(`**/labs/${lab.id}/`), toLab.click()]);
    assert.match(await page.locator("h1").textContent() ?? "", new RegExp(`Lab ${lab.id.slice(0, 2)}`));
    await Promise.all([page.waitForURL(lessonUrl), page.locator(".lab-back a").click()]);
  }
  await context.close();
});

test('search finds the "cache-aside" lesson', async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${site.baseUrl}/`);
  await page.locator("button[data-open-modal]").click();
  await page.locator("#starlight__search input").fill("cache-aside");
  const result = page.locator('#starlight__search a[href*="/lessons/cache-aside/"]').first();
  await result.waitFor({ timeout: 30_000 });
  assert.deepEqual(errors, []);
  await context.close();
});
