/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { after, before, test } from "node:test";
import sirv from "sirv";
import { listLabs, type Lab } from "../../kit/labs.ts";
import { stepsOfLab } from "../../kit/runner/steps.ts";
import { listen } from "../../site/server/serve.ts";
import type { Page } from "playwright-core";
import { newContext, openSite, watchErrors, type SiteUnderTest } from "./helpers/browser.ts";
import { distDir, repoRoot } from "./helpers/build.ts";

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A rung's first words as the page shows them: Markdown code spans and emphasis are gone. */
const plain = (markdown: string) => markdown.replace(/[`*_]/g, "").split(/[.:;(]/)[0]!.trim().slice(0, 40);

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

/** A plain static host: no progress API, no cookie; the page keeps its own hint counts. */
async function staticHost(): Promise<{ url: string; close(): Promise<void> }> {
  const files = sirv(distDir, { dev: true });
  const server: Server = createServer((req, res) => files(req, res, () => {
    res.writeHead(404).end();
  }));
  const port = await listen(server, 0, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** How many rungs of each step are open and how many can be seen (open or next to open). */
async function ladderState(page: Page): Promise<{ open: number[]; visible: number[] }> {
  return page.evaluate(() => {
    const steps = [...document.querySelectorAll("lab-hints section[data-step]")];
    return {
      open: steps.map((step) => step.querySelectorAll("details[open]:not([hidden])").length),
      visible: steps.map((step) => step.querySelectorAll("details:not([hidden])").length),
    };
  });
}

test("hints: a ladder per step from lab.json; a step's rungs open in order, and a static host remembers them in the browser", async () => {
  const lab = labs[0]!;
  const steps = stepsOfLab(lab);
  const host = await staticHost();
  const context = await newContext(site);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${host.url}/labs/${lab.id}/hints/`);
  assert.equal(await page.locator("lab-hints section[data-step]").count(), steps.length, "one ladder per step");
  for (const [s, step] of steps.entries()) {
    assert.equal(await page.locator(`lab-hints section[data-step="${s + 1}"] details`).count(), step.hints.length, `step ${s + 1} has its rungs`);
  }
  await page.locator("lab-hints[data-ready]").waitFor();
  const zero = steps.map(() => 0);
  assert.deepEqual(await ladderState(page), { open: zero, visible: steps.map(() => 1) }, "nothing open; only each step's first rung can be opened");

  const last = steps.length - 1;
  const ladder = page.locator(`lab-hints section[data-step="${last + 1}"]`);
  await ladder.locator("summary").first().click();
  const opened = steps.map((_, i) => (i === last ? 1 : 0));
  assert.deepEqual((await ladderState(page)).open, opened, "opening a rung of the last step leaves the other steps closed");
  assert.equal((await ladderState(page)).visible[last], Math.min(2, steps[last]!.hints.length), "the next rung of that step can now be opened");
  assert.match((await ladder.locator("details").first().textContent()) ?? "", new RegExp(escape(plain(steps[last]!.hints[0]!))));
  await page.reload();
  await page.locator("lab-hints[data-ready]").waitFor();
  assert.deepEqual((await ladderState(page)).open, opened, "the browser remembers which rungs were opened");
  assert.deepEqual(errors, []);
  await context.close();
  await host.close();
});

test("hints work with JavaScript off: every rung is a <details> that opens", async () => {
  const lab = labs[0]!;
  const steps = stepsOfLab(lab);
  const context = await site.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${site.baseUrl}/labs/${lab.id}/hints/`);
  const rung = page.locator(`lab-hints section[data-step="1"] details`).nth(steps[0]!.hints.length - 1);
  const text = rung.locator("p").first();
  assert.equal(await text.isVisible(), false, "closed until asked");
  await rung.locator("summary").click();
  assert.equal(await text.isVisible(), true, "the last rung opens without JavaScript");
  await context.close();
});

test("one truth: rungs opened with the CLI show on the site, rungs opened on the site reach the CLI, and both agree on a reset", async () => {
  const lab = labs[0]!;
  const steps = stepsOfLab(lab);
  // The CLI runs on a copy of the lab in the site's progress root (a git repo, so that reset has a starter).
  const root = site.progressRoot;
  await rm(path.join(root, ".workbook"), { recursive: true, force: true });
  await cp(lab.dir, path.join(root, "labs", lab.id), { recursive: true });
  const git = (...args: string[]) => assert.equal(spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { cwd: root }).status, 0);
  git("init", "-q");
  git("add", "labs");
  git("commit", "-q", "-m", "starter");
  const cli = (...args: string[]) => {
    const run = spawnSync(process.execPath, [path.join(repoRoot, "kit/cli/main.ts"), ...args], { env: { ...process.env, WORKBOOK_ROOT: root, NO_COLOR: "1" }, encoding: "utf8", timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout;
  };
  cli("hint", "1");
  cli("hint", "1");
  const expected = steps.map((step, i) => (i === 0 ? Math.min(2, step.hints.length) : 0));

  const context = await newContext(site);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${site.baseUrl}/labs/${lab.id}/hints/`);
  await page.locator("lab-hints[data-ready]").waitFor();
  assert.deepEqual((await ladderState(page)).open, expected, "the two rungs the CLI revealed are open on the page");

  // The site's reveal goes through the local API into the same file: the CLI then goes on from there.
  const next = page.locator(`lab-hints section[data-step="1"] details:not([open]):not([hidden]) summary`);
  if (steps[0]!.hints.length > expected[0]!) {
    await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/progress/hints") && r.status() === 200), next.click()]);
    expected[0]!++;
  }
  const written = JSON.parse(await readFile(path.join(root, ".workbook", "progress.json"), "utf8")).labs[lab.id];
  assert.deepEqual(written.hintsShown.slice(0, 1), expected.slice(0, 1), "the site wrote its reveal into .workbook/progress.json");

  // Passing, then reset with the CLI: the site says reset, not passing.
  const entry = { ...written, lastRun: "2026-01-01T10:00:00.000Z", passed: 5, failed: 0, total: 5, firstPassedAt: "2026-01-01T10:00:00.000Z" };
  await writeFile(path.join(root, ".workbook", "progress.json"), JSON.stringify({ version: 1, labs: { [lab.id]: entry } }));
  await page.goto(`${site.baseUrl}/labs/${lab.id}/`);
  await page.locator(`[data-lab-status="${lab.id}"][data-state="passing"]`).waitFor();
  await writeFile(path.join(root, "labs", lab.id, lab.manifest.files[0]!), "// the learner's edit\n");
  cli("reset", "1", "--yes");
  assert.match(cli("list"), /reset to the starter, not run since/);
  await page.reload();
  await page.locator(`[data-lab-status="${lab.id}"][data-state="reset"]`).waitFor();
  assert.match((await page.locator(`[data-lab-status="${lab.id}"]`).textContent()) ?? "", /^Reset/);
  await page.goto(`${site.baseUrl}/labs/${lab.id}/hints/`);
  await page.locator("lab-hints[data-ready]").waitFor();
  assert.deepEqual((await ladderState(page)).open, expected, "a reset keeps the hints already seen");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a damaged lab entry in progress.json: that lab starts fresh and its page says where the old record went", async () => {
  const [first, second] = labs;
  const good = { lastRun: "2026-01-01T10:00:00.000Z", passed: 2, failed: 1, total: 3, hintsShown: [1], firstPassedAt: null };
  await rm(path.join(site.progressRoot, ".workbook"), { recursive: true, force: true });
  await mkdir(path.join(site.progressRoot, ".workbook"), { recursive: true });
  const labsJson: Record<string, unknown> = { [first!.id]: { ...good, failed: -1 } };
  if (second) labsJson[second.id] = good;
  await writeFile(path.join(site.progressRoot, ".workbook", "progress.json"), JSON.stringify({ version: 1, labs: labsJson }));
  const context = await newContext(site);
  const page = await context.newPage();
  await page.goto(`${site.baseUrl}/labs/${first!.id}/`);
  const status = page.locator(`[data-lab-status="${first!.id}"][data-state]`);
  await status.waitFor();
  assert.match((await status.textContent()) ?? "", /^Not started \(earlier progress was damaged and starts fresh; the old record is kept in \.workbook\/progress\.json\.broken-/);
  if (second) {
    await page.goto(`${site.baseUrl}/labs/${second.id}/`);
    await page.locator(`[data-lab-status="${second.id}"][data-state="failing"]`).waitFor();
    assert.equal(await page.locator("[data-progress-note]").count(), 0, "every other lab keeps its progress, with no note");
  }
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
  const host = await staticHost();
  const context = await newContext(site);
  const page = await context.newPage();
  const errors = watchErrors(page);
  const apiCalls: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/")) apiCalls.push(request.url());
  });
  for (const url of ["/", `/labs/${labs[0]!.id}/`]) {
    await page.goto(`${host.url}${url}`, { waitUntil: "networkidle" });
    assert.equal(await page.locator("[data-lab-status][data-state]").count(), 0, `${url} shows no progress`);
  }
  assert.deepEqual(apiCalls, []);
  assert.deepEqual(errors, []);
  await context.close();
  await host.close();
});
