/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { after, before, test } from "node:test";
import sirv from "sirv";
import { listLabs, type Lab } from "../../kit/labs.ts";
import { stepsOfLab } from "../../kit/runner/steps.ts";
import { listen } from "../../site/server/serve.ts";
import { newContext, openSite, watchErrors, type SiteUnderTest } from "./helpers/browser.ts";
import { distDir, repoRoot } from "./helpers/build.ts";

let site: SiteUnderTest;
let labs: Lab[] = [];

before(async () => {
  site = await openSite();
  labs = await listLabs(repoRoot);
  assert.ok(labs.length > 0, "these tests need at least one lab in labs/");
});
after(async () => {
  await site?.close();
});

test("hints reveal one at a time and are remembered after a reload", async () => {
  const lab = labs[0]!;
  const context = await newContext(site);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${site.baseUrl}/labs/${lab.id}/`);
  const visible = () => page.locator("lab-hints li[data-hint]:visible").count();
  const button = page.locator("[data-next-hint]");
  const rungs = (await stepsOfLab(lab)).flatMap((step) => step.hints).length;
  assert.equal(await visible(), 0, "no hint is shown before asking");
  for (let shown = 1; shown <= rungs; shown++) {
    await button.click();
    assert.equal(await visible(), shown, `exactly ${shown} hint(s) after ${shown} click(s)`);
    if (shown === 1) {
      await page.reload();
      assert.equal(await visible(), 1, "the browser remembers how many hints were opened");
    }
  }
  assert.equal(await button.isVisible(), false, "the button goes away when every hint is shown");
  const texts = await page.locator("lab-hints li[data-hint]").allTextContents();
  assert.equal(texts.length, rungs, "the hints come from lab.json");
  assert.deepEqual(errors, []);
  await context.close();
});

test("lab page: commands with working copy buttons, starter files, the solution one deliberate step away", async () => {
  const lab = labs[0]!;
  const context = await newContext(site);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const page = await context.newPage();
  await page.goto(`${site.baseUrl}/labs/${lab.id}/`);
  const number = lab.id.slice(0, 2);
  for (const command of ["test", "watch", "hint", "bench"]) {
    assert.equal(await page.locator(".lab-commands pre", { hasText: `npm run lab -- ${command} ${number}` }).count(), 1);
  }
  await page.locator(".lab-commands .copy button").first().click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `npm run lab -- test ${number}`);
  for (const file of lab.manifest.files) {
    const source = await readFile(path.join(lab.dir, file), "utf8");
    const item = page.locator(".lab-files li", { hasText: file });
    assert.equal(await item.count(), 1, `${file} is listed`);
    const firstTodo = source.match(/TODO\((\d+)\)/)?.[1];
    if (firstTodo) assert.match((await item.textContent()) ?? "", new RegExp(`TODO .*\\b${firstTodo}\\b`), `${file} says which steps it holds`);
  }
  assert.equal(await page.locator(".lab-meta a").getAttribute("href"), `/lessons/${lab.manifest.lesson}/`);

  // The whole starter files, highlighted, on the lab's files page.
  await page.locator(".lab-files a").first().click();
  await page.waitForURL(`**/labs/${lab.id}/files/#*`);
  for (const file of lab.manifest.files) {
    const block = page.locator(".expressive-code", { has: page.locator("figcaption", { hasText: `labs/${lab.id}/${file}` }) });
    assert.equal(await block.count(), 1, `${file} is on the files page`);
    assert.ok((await block.locator("pre span[style]").count()) > 0, `${file} is syntax-highlighted`);
    const source = await readFile(path.join(lab.dir, file), "utf8");
    const todoLines = source.split("\n").filter((line) => /TODO\(\d+\)/.test(line)).length;
    assert.equal(await block.locator(".ec-line.mark").count(), todoLines, `the TODO lines of ${file} are marked`);
  }
  await page.goBack();

  // The lab page never carries the solution; its page keeps it closed until asked.
  assert.equal(await page.locator(`text=solutions/${lab.id}/`).count(), 0);
  await page.locator(".lab-solution-link a").click();
  await page.waitForURL(`**/labs/${lab.id}/solution/`);
  const code = page.locator(".lab-solution .expressive-code").first();
  assert.equal(await code.isVisible(), false, "the solution stays folded until opened");
  await page.locator(".lab-solution summary").click();
  assert.equal(await code.isVisible(), true);
  await context.close();
});

test("with npm start's endpoint, home and lab pages show each lab's progress", async () => {
  const [first, second] = labs;
  const progress: Record<string, unknown> = {
    [first!.id]: { lastRun: "2026-01-01T10:00:00.000Z", passed: 3, failed: 4, total: 7, hintsShown: 1, firstPassedAt: null },
  };
  if (second) {
    progress[second.id] = { lastRun: "2026-01-01T11:00:00.000Z", passed: 5, failed: 0, total: 5, hintsShown: 0, firstPassedAt: "2026-01-01T11:00:00.000Z" };
  }
  await mkdir(path.join(site.progressRoot, ".workbook"), { recursive: true });
  await writeFile(path.join(site.progressRoot, ".workbook", "progress.json"), JSON.stringify({ version: 1, labs: progress }));

  const context = await newContext(site);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${site.baseUrl}/`);
  const status = (id: string) => page.locator(`[data-lab-status="${id}"]`);
  await page.locator(`[data-lab-status="${first!.id}"][data-state]`).waitFor();
  assert.equal(await status(first!.id).textContent(), "Failing: 3 of 7 tests pass");
  if (second) assert.equal(await status(second.id).textContent(), "Passing: all 5 tests pass");
  for (const lab of labs.slice(2)) assert.equal(await status(lab.id).textContent(), "Not started");

  await page.goto(`${site.baseUrl}/labs/${first!.id}/`);
  await page.locator(`[data-lab-status="${first!.id}"][data-state="failing"]`).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("served as plain static files, pages ask for no progress and log no errors", async () => {
  const files = sirv(distDir, { dev: true });
  const server: Server = createServer((req, res) => files(req, res, () => {
    res.writeHead(404).end();
  }));
  const port = await listen(server, 0, "127.0.0.1");
  const context = await newContext(site);
  const page = await context.newPage();
  const errors = watchErrors(page);
  const apiCalls: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/")) apiCalls.push(request.url());
  });
  for (const url of ["/", `/labs/${labs[0]!.id}/`]) {
    await page.goto(`http://127.0.0.1:${port}${url}`, { waitUntil: "networkidle" });
    assert.equal(await page.locator("[data-lab-status][data-state]").count(), 0, `${url} shows no progress`);
  }
  assert.deepEqual(apiCalls, []);
  assert.deepEqual(errors, []);
  await context.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
