/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { listLabs } from "../../kit/labs.ts";
import { lessons, lessonTitle } from "../../site/src/lessons.ts";
import { minutesRange } from "../../site/src/components/course-facts.ts";
import { newContext, openSite, watchErrors, type SiteUnderTest } from "./helpers/browser.ts";
import { repoRoot } from "./helpers/build.ts";
import { htmlFile, listPages } from "./helpers/pages.ts";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

let site: SiteUnderTest;
let pages: string[] = [];

before(async () => {
  site = await openSite();
  pages = await listPages();
});
after(async () => {
  await site?.close();
});

test("every lesson, every lab in labs/, and the flashcards are built", async () => {
  for (const { slug } of lessons) assert.ok(pages.includes(`/lessons/${slug}/`), `missing lesson page /lessons/${slug}/`);
  for (const lab of await listLabs(repoRoot)) assert.ok(pages.includes(`/labs/${lab.id}/`), `missing lab page /labs/${lab.id}/`);
  assert.ok(pages.includes("/flashcards/"));
  assert.ok(pages.includes("/"));
  assert.ok(pages.includes("/lessons/"), "the lessons have an index page, as the labs do");
});

test("/lessons/ lists every lesson in reading order", async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  const response = await page.goto(`${site.baseUrl}/lessons/`);
  assert.equal(response?.status(), 200);
  const hrefs = await page.locator("main .lesson-list a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  assert.deepEqual(hrefs, lessons.map(({ slug }) => `/lessons/${slug}/`));
  await context.close();
});

test("page titles name the site once: the home page is just the site's name", async () => {
  const title = async (path: string) => /<title>([^<]*)<\/title>/.exec(await readFile(htmlFile(path), "utf8"))?.[1];
  assert.equal(await title("/"), "Scalable APIs Workbook");
  assert.equal(await title("/lessons/"), "Lessons | Scalable APIs Workbook");
  assert.equal(await title("/labs/"), "Labs | Scalable APIs Workbook");
});

test("the sidebar lists every lesson on every page, and every lab only on lab pages (elsewhere one link to the labs index)", async () => {
  const labs = await listLabs(repoRoot);
  const nav = async (path: string) => {
    const html = await readFile(htmlFile(path), "utf8");
    return html.slice(html.indexOf('<ul class="wb-nav wb-nav--top">'), html.indexOf("</sl-sidebar-pane>"));
  };
  const lessonNav = await nav("/lessons/statelessness/");
  assert.match(lessonNav, /<a href="\/labs\/" class="large">Labs<\/a>/, "a lesson's sidebar links to the labs index");
  for (const lab of labs) assert.ok(!lessonNav.includes(`href="/labs/${lab.id}/"`), `a lesson's sidebar does not list ${lab.id}`);
  assert.ok(lessonNav.includes('href="/lessons/interview-prep/"'), "every lesson is listed");
  const labNav = await nav(`/labs/${labs[0]!.id}/`);
  for (const lab of labs) assert.ok(labNav.includes(`href="/labs/${lab.id}/"`), `a lab page's sidebar lists ${lab.id}`);
  assert.ok((await nav(`/labs/${labs[0]!.id}/hints/`)).includes(`href="/labs/${labs.at(-1)!.id}/"`), "so does a lab's hints page");
});

test("a lab page lists its commands once, lab start among them, says which services it will use, and links to its hints", async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  for (const lab of await listLabs(repoRoot)) {
    await page.goto(`${site.baseUrl}/labs/${lab.id}/`);
    const number = lab.id.slice(0, 2);
    for (const command of ["start", "test", "watch", "hint", "bench"]) {
      // Any terminal block that runs this command, in any spelling of the lab's number.
      const blocks = await page.locator("main pre").filter({ hasText: new RegExp(`npm run lab -- ${command} 0?${Number(number)}\\b`) }).count();
      assert.equal(blocks, 1, `${lab.id}: "${command}" appears in ${blocks} code blocks`);
    }
    assert.equal(await page.locator("main h2", { hasText: /^Commands$/ }).count(), 0, `${lab.id}: no second "Commands" section`);
    assert.equal(await page.locator("main lab-hints").count(), 0, `${lab.id}: the hint ladders live on their own page, not on the lab page`);
    assert.equal(await page.locator(`main a[href="/labs/${lab.id}/hints/"]`).count(), 1, `${lab.id}: the lab page links to its hints page`);
    const backends = (await page.locator("main .lab-backends").textContent()) ?? "";
    if (lab.manifest.services.includes("redis")) assert.match(backends, /REDIS_URL.*compose Redis.*redis-server/s, lab.id);
    if (lab.manifest.services.some((s) => s.startsWith("mongo"))) assert.match(backends, /MONGO_URL.*stand-in/s, lab.id);
    if (lab.manifest.services.includes("mongo-replset")) assert.match(backends, /replica set with 300/, lab.id);
    if (lab.manifest.services.includes("haproxy")) assert.match(backends, /HAProxy.*haproxy\.cfg/s, lab.id);
    if (lab.manifest.services.includes("varnish")) assert.match(backends, /Varnish.*VCL/s, lab.id);
    if (lab.manifest.services.length === 0) assert.match(backends, /needs no service/, lab.id);
  }
  await context.close();
});

test("short inline code never breaks across lines, even at 360 px", async () => {
  const context = await newContext(site, { width: 360 });
  const page = await context.newPage();
  const broken: string[] = [];
  let checked = 0;
  for (const path of pages) {
    await page.goto(`${site.baseUrl}${path}`);
    const codes = await page.locator("main code:not(pre code)").evaluateAll((nodes) =>
      nodes
        // In a table cell short code may wrap at phone widths: the table then fits, rather than
        // hiding its last column (tests/site/narrow.test.ts).
        .filter((code) => (code as HTMLElement).offsetParent !== null && (code.textContent ?? "").length <= 28 && !code.closest("td, th"))
        .map((code) => ({ text: code.textContent ?? "", lines: new Set([...code.getClientRects()].map((r) => Math.round(r.top))).size })),
    );
    checked += codes.length;
    for (const code of codes) if (code.lines > 1) broken.push(`${path}: "${code.text}" spans ${code.lines} lines`);
  }
  assert.ok(checked > 100, `only ${checked} short inline code elements checked`);
  assert.deepEqual(broken, []);
  const pagination = await readFile(htmlFile("/labs/05-pagination/"), "utf8");
  assert.match(pagination, /<code( dir="auto")?>\?page=N(&#x26;|&amp;)limit=M<\/code>/, "short code carries no class: the stylesheet keeps it on one line");
  assert.match(pagination, /<code( dir="auto")? class="wrap">[^<]{29,}<\/code>/, "long code is marked so that it may wrap");
  await context.close();
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
  // The shortcut hint is shown by components/Search.astro (the build drops Starlight's inline copy).
  const button = page.locator("button[data-open-modal]");
  await button.locator("kbd").first().waitFor({ state: "visible" });
  assert.equal(await button.getAttribute("aria-label"), "Search Ctrl K");
  assert.equal(await button.getAttribute("aria-keyshortcuts"), "Control+K");
  await button.click();
  await page.locator("#starlight__search input").fill("cache-aside");
  const result = page.locator('#starlight__search a[href*="/lessons/cache-aside/"]').first();
  await result.waitFor({ timeout: 30_000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test("the sidebar names each lab by its lesson's title, not by its folder name", async () => {
  const labs = await listLabs(repoRoot);
  const html = await readFile(htmlFile(`/labs/${labs[0]!.id}/`), "utf8");
  for (const lab of labs) {
    const label = new RegExp(`<a href="/labs/${lab.id}/"[^>]*>([^<]*)</a>`).exec(html)?.[1];
    const title = lessonTitle(lab.manifest.lesson);
    assert.notEqual(title, lab.manifest.lesson, `${lab.id}: its lesson "${lab.manifest.lesson}" has no title in lessons.ts`);
    assert.equal(label, `${lab.id.slice(0, 2)} · ${title}`, `${lab.id}'s sidebar label`);
  }
  assert.doesNotMatch(html, /Http caching|Cpu bound/, "labels made from folder names");
});

/** Count and time figures on the landing pages come from the data, so adding a lab or lesson keeps them true. */
test("the landing pages state the number of lessons and the labs' time range from the content", async () => {
  const text = async (page: string) => (await readFile(htmlFile(page), "utf8")).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
  const lessonFiles = (await readdir(path.join(repoRoot, "site/src/content/docs/lessons"))).filter((f) => /\.mdx?$/.test(f));
  assert.match(await text("/lessons/"), new RegExp(`\\b${lessonFiles.length} short lessons, in reading order\\.`));
  const minutes = (await listLabs(repoRoot)).map((lab) => lab.manifest.estimatedMinutes);
  const low = Math.min(...minutes);
  const high = Math.max(...minutes);
  assert.ok(low < high, "the labs' estimates differ, so the home page gives a range");
  assert.match(await text("/"), new RegExp(`Each lab takes ${low} to ${high} minutes\\.`));
  for (const source of ["site/src/pages/lessons/index.astro", "site/src/content/docs/index.mdx"]) {
    const code = await readFile(path.join(repoRoot, source), "utf8");
    assert.doesNotMatch(code, /\b(twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|\d+ (short )?lessons|\d+ to \d+ minutes)\b/i, `${source} types a count or a range instead of deriving it`);
  }
  // A lab added with a longer estimate widens the range; equal estimates read as one figure.
  assert.equal(minutesRange([...minutes, high + 30]), `${low} to ${high + 30} minutes`);
  assert.equal(minutesRange([75, 75]), "about 75 minutes");
  assert.throws(() => minutesRange([]), /no lab has an estimate/);
});
