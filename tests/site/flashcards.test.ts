/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { buildQueue } from "../../site/src/flashcards/scheduler.ts";
import { exportFileSchema } from "../../site/src/flashcards/saved-schema.ts";
import { newContext, openSite, watchErrors, type SiteUnderTest } from "./helpers/browser.ts";

const storageKey = "workbook:flashcards:v1";
let site: SiteUnderTest;

before(async () => {
  site = await openSite();
});
after(async () => {
  await site?.close();
});

const currentCard = (page: Page) => page.locator("article[data-card]:visible").getAttribute("data-card");
/** The deck the page loaded (from /flashcards/deck.js), as [id, lesson] pairs. */
const deck = (page: Page) => page.evaluate(() => (globalThis as unknown as { workbookDeck: { id: string; lesson: string }[] }).workbookDeck.map((c) => [c.id, c.lesson] as const));
const counts = async (page: Page) => ({
  new: Number(await page.locator("[data-count-new]").textContent()),
  learning: Number(await page.locator("[data-count-learning]").textContent()),
  review: Number(await page.locator("[data-count-review]").textContent()),
});
const saved = (page: Page) => page.evaluate((key) => localStorage.getItem(key), storageKey);
const savedProgress = async (page: Page) => JSON.parse((await saved(page)) ?? "null") as { cards: Record<string, unknown>; log: { cardId: string; rating: number }[] } | null;

test("review by keyboard: reveal, grade with intervals, survive a reload, undo", async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${site.baseUrl}/flashcards/`);
  await page.locator("article[data-card]:visible").waitFor();
  const deckSize = (await deck(page)).length;
  assert.ok(deckSize >= 2, "the deck needs at least two cards for this test");
  assert.deepEqual(await counts(page), { new: deckSize, learning: 0, review: 0 });

  const first = await currentCard(page);
  assert.ok(first);
  assert.equal(await page.locator(`article[data-card="${first}"] [data-answer]`).isVisible(), false, "answer hidden before reveal");
  assert.equal(await page.locator("[data-grades]").isVisible(), false, "grade buttons hidden before reveal");

  await page.keyboard.press("Space");
  assert.equal(await page.locator(`article[data-card="${first}"] [data-answer]`).isVisible(), true, "Space reveals the answer");
  const intervals = await page.locator("[data-grade] [data-interval]").allTextContents();
  assert.equal(intervals.length, 4);
  for (const interval of intervals) assert.match(interval, /^\d+(\.\d+)?(m|h|d|mo|y)$/, `each grade shows its next interval, got "${interval}"`);
  assert.notEqual(intervals[0], intervals[3], "Again and Easy schedule differently");

  await page.keyboard.press("3"); // Good
  const second = await currentCard(page);
  assert.ok(second && second !== first, "grading moves on to the next card");
  assert.deepEqual(await counts(page), { new: deckSize - 1, learning: 1, review: 0 }, "a card graded Good is in learning (due in minutes), and counted there");
  const afterGrade = await savedProgress(page);
  assert.deepEqual(Object.keys(afterGrade?.cards ?? {}), [first]);
  assert.deepEqual(afterGrade?.log.map((l) => [l.cardId, l.rating]), [[first, 3]]);

  await page.reload();
  await page.locator("article[data-card]:visible").waitFor();
  assert.equal(await currentCard(page), second, "after a reload the graded card is not shown again yet");
  assert.deepEqual(await counts(page), { new: deckSize - 1, learning: 1, review: 0 });

  await page.keyboard.press("Enter"); // Enter reveals too
  await page.keyboard.press("1"); // Again
  assert.equal((await savedProgress(page))?.log.length, 2);
  assert.deepEqual(await counts(page), { new: deckSize - 2, learning: 2, review: 0 }, "a card graded Again is in learning too");

  await page.keyboard.press("u"); // undo the Again
  assert.equal(await currentCard(page), second, "undo shows the card graded last");
  const afterUndo = await savedProgress(page);
  assert.deepEqual(afterUndo?.log.map((l) => l.cardId), [first], "undo removes only the last review");
  assert.equal(afterUndo?.cards[second!], undefined, "a card undone back to never-reviewed is new again");
  assert.deepEqual(await counts(page), { new: deckSize - 1, learning: 1, review: 0 });
  assert.deepEqual(errors, []);
  await context.close();
});

test("filter by lesson, also from ?lesson=", async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  await page.goto(`${site.baseUrl}/flashcards/`);
  await page.locator("article[data-card]:visible").waitFor();
  const cards = await deck(page);
  const lesson = cards.at(-1)![1];
  const inLesson = cards.filter(([, l]) => l === lesson).length;

  await page.goto(`${site.baseUrl}/flashcards/?lesson=${lesson}`);
  await page.locator("article[data-card]:visible").waitFor();
  assert.equal(await page.locator("[data-lesson-filter]").inputValue(), lesson);
  assert.equal(await page.locator("article[data-card]:visible").getAttribute("data-lesson"), lesson);
  assert.deepEqual(await counts(page), { new: inLesson, learning: 0, review: 0 });

  await page.selectOption("[data-lesson-filter]", "");
  assert.equal(new URL(page.url()).searchParams.get("lesson"), null, "clearing the filter updates the address");
  assert.equal((await counts(page)).new, cards.length);
  await context.close();
});

test("export then import restores progress; bad files change nothing", async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${site.baseUrl}/flashcards/`);
  await page.locator("article[data-card]:visible").waitFor();
  await page.keyboard.press("Space");
  await page.keyboard.press("4");

  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-export]")]);
  const exported = path.join(os.tmpdir(), `wb-export-${process.pid}.json`);
  await download.saveAs(exported);
  const file = JSON.parse(await readFile(exported, "utf8"));
  assert.equal(file.format, "scalable-apis-workbook/flashcards");
  assert.equal(file.progress.log.length, 1);
  const exportedState = await saved(page);

  // More reviews after the export; importing must bring back exactly the exported state.
  await page.focus("[data-reveal]"); // the Export button kept focus, and Space would press it again
  await page.keyboard.press("Space");
  await page.keyboard.press("3");
  assert.equal((await savedProgress(page))?.log.length, 2);
  page.once("dialog", (dialog) => void dialog.accept());
  await page.setInputFiles("[data-import]", exported);
  await page.locator("[data-message]", { hasText: "Imported" }).waitFor();
  assert.deepEqual(JSON.parse((await saved(page))!), JSON.parse(exportedState!));

  const before = await saved(page);
  const badFiles = [
    { name: "broken.json", text: "{ this is not json", message: /not JSON/ },
    { name: "foreign.json", text: JSON.stringify({ name: "some other app", cards: [] }), message: /not a flashcards export/ },
    { name: "damaged.json", text: JSON.stringify({ ...file, progress: { ...file.progress, log: [{ cardId: "x", rating: 9 }] } }), message: /damaged/ },
  ];
  for (const bad of badFiles) {
    await page.setInputFiles("[data-import]", { name: bad.name, mimeType: "application/json", buffer: Buffer.from(bad.text) });
    const message = page.locator('[data-message][data-error="true"]');
    await message.waitFor();
    assert.match((await message.textContent()) ?? "", bad.message);
    assert.match((await message.textContent()) ?? "", /unchanged/);
    assert.equal(await saved(page), before, `${bad.name} left the saved progress untouched`);
  }
  await writeFile(exported, "").catch(() => {});
  assert.deepEqual(errors, []);
  await context.close();
});

test("works with the network off once loaded", async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  await page.goto(`${site.baseUrl}/flashcards/`, { waitUntil: "networkidle" });
  await page.locator("article[data-card]:visible").waitFor();
  const requests: string[] = [];
  page.on("request", (request) => {
    if (!request.url().endsWith("/favicon.svg")) requests.push(request.url()); // the browser's own lazy favicon fetch
  });
  await context.setOffline(true);
  const lesson = await page.locator("[data-lesson-filter] option").nth(1).getAttribute("value");
  await page.selectOption("[data-lesson-filter]", lesson!);
  await page.keyboard.press("Space");
  await page.keyboard.press("3");
  assert.equal((await savedProgress(page))?.log.length, 1);
  assert.deepEqual(requests, [], "reviewing makes no network requests");
  await context.close();
});

test("a card graded Again comes back by itself when it falls due, with the page left open", async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  // A fake clock: the test moves time on instead of waiting for the one-minute learning step.
  await page.clock.install();
  await page.goto(`${site.baseUrl}/flashcards/`);
  await page.locator("article[data-card]:visible").waitFor();
  const cards = await deck(page);
  // The lesson with the fewest cards: grade every one of them Again, until nothing is due.
  const perLesson = new Map<string, number>();
  for (const [, lesson] of cards) perLesson.set(lesson, (perLesson.get(lesson) ?? 0) + 1);
  const [lesson, size] = [...perLesson].sort((a, b) => a[1] - b[1])[0]!;
  await page.selectOption("[data-lesson-filter]", lesson);
  for (let i = 0; i < size; i++) {
    await page.locator("[data-reveal]").click();
    await page.locator('[data-grade="1"]').click();
  }
  await page.locator("[data-done]:visible").waitFor();
  assert.deepEqual(await counts(page), { new: 0, learning: size, review: 0 }, "nothing is due, and every card is in learning");
  assert.match((await page.locator("[data-done]").textContent()) ?? "", /Nothing is due right now/);

  await page.clock.runFor(70_000);
  await page.locator("article[data-card]:visible").waitFor({ timeout: 5000 });
  assert.equal((await counts(page)).learning, size, "every Again card is due again after a minute, without a click");
  assert.equal(await page.locator("[data-done]").isVisible(), false);
  await context.close();
});

test("a card that falls due waits while another card is on screen, and comes next", async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  await page.clock.install();
  await page.goto(`${site.baseUrl}/flashcards/`);
  await page.locator("article[data-card]:visible").waitFor();
  const deckSize = (await deck(page)).length;
  const first = await currentCard(page);
  await page.keyboard.press("Space");
  await page.keyboard.press("1"); // Again
  const onScreen = await currentCard(page);
  assert.notEqual(onScreen, first);
  assert.deepEqual(await counts(page), { new: deckSize - 1, learning: 1, review: 0 });
  await page.clock.runFor(70_000);
  assert.deepEqual(await counts(page), { new: deckSize - 1, learning: 1, review: 0 });
  assert.equal(await currentCard(page), onScreen, "the card being studied is not swapped away");
  await page.keyboard.press("Space");
  await page.keyboard.press("3");
  assert.equal(await currentCard(page), first, "the due Again card comes next, before new cards");
  await context.close();
});

test("after the lesson filter is changed with the keyboard, Space shows the answer", async () => {
  const context = await newContext(site);
  const page = await context.newPage();
  await page.goto(`${site.baseUrl}/flashcards/`);
  await page.locator("article[data-card]:visible").waitFor();
  const filter = page.locator("[data-lesson-filter]");
  await filter.focus();
  await page.keyboard.press("ArrowDown");
  const lesson = await filter.inputValue();
  assert.notEqual(lesson, "", "ArrowDown picked a lesson");
  assert.equal(await page.evaluate(() => document.activeElement?.matches("[data-lesson-filter]")), true, "focus is still on the select");
  assert.equal(await page.locator("article[data-card]:visible").getAttribute("data-lesson"), lesson);
  await page.keyboard.press("Space");
  assert.equal(await page.locator("article[data-card]:visible [data-answer]").isVisible(), true, "Space reveals the answer");
  await page.keyboard.press("3");
  assert.equal((await savedProgress(page))?.log.length, 1, "and a grade key grades it");
  await context.close();
});

/**
 * A review log recorded with the site's scheduler (ts-fsrs): two cards in their learning steps (one
 * due, one not), one relearning after a lapse, one review due and one not.
 */
const recorded = async () => exportFileSchema.parse(JSON.parse(await readFile(new URL("./fixtures/flashcards-review-log.json", import.meta.url), "utf8")));

test("the Learning count includes every card in learning or relearning, due or not (recorded review log)", async () => {
  const file = await recorded();
  const ids = Object.keys(file.progress.cards);
  const states = Object.values(file.progress.cards).map((c) => c.state);
  assert.deepEqual([...states].sort(), [1, 1, 2, 2, 3], "the recording holds Learning ×2, Review ×2, Relearning ×1 (ts-fsrs State)");
  const now = new Date(file.exportedAt);
  assert.deepEqual(buildQueue(file.progress, ids, now).counts, { new: 0, learning: 3, review: 1 });

  const context = await newContext(site);
  const page = await context.newPage();
  await page.clock.install({ time: now });
  await context.addInitScript(([key, progress]) => localStorage.setItem(key, progress), [storageKey, JSON.stringify(file.progress)] as const);
  await page.goto(`${site.baseUrl}/flashcards/`);
  await page.locator("article[data-card]:visible").waitFor();
  const deckIds = (await deck(page)).map(([id]) => id);
  for (const id of ids) assert.ok(deckIds.includes(id), `the recorded card ${id} is no longer in the deck: record the log again`);
  assert.deepEqual(await counts(page), { new: deckIds.length - ids.length, learning: 3, review: 1 });
  await context.close();
});

/** Rows of a statistics table, as the text of their cells. */
const tableRows = (page: Page, id: string) =>
  page.locator(`#${id} tbody tr`).evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent ?? "")));
const statSummary = (page: Page, key: string) => page.locator(`[data-stat="${key}"] [data-stat-summary]`).textContent();

test("statistics of a recorded review log, in the learner's time zone; a grade updates them", async () => {
  // The log and the numbers worked out from it by hand: see flashcard-stats.test.ts.
  const file = exportFileSchema.parse(JSON.parse(await readFile(new URL("./fixtures/review-log.json", import.meta.url), "utf8")));
  const context = await newContext(site, { timezoneId: "America/New_York" });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.clock.install({ time: new Date(file.exportedAt) }); // 20 November 2026, 10:00 in New York
  await context.addInitScript(([key, progress]) => localStorage.setItem(key, progress), [storageKey, JSON.stringify(file.progress)] as const);
  await page.goto(`${site.baseUrl}/flashcards/`);
  await page.locator("article[data-card]:visible").waitFor();
  assert.equal(await page.locator("[data-stat]").count(), 0, "drawn only once opened");
  await page.locator("[data-stats] > summary").click();
  await page.locator('[data-stat="due"]').waitFor();

  assert.equal(await statSummary(page, "due"), "5 due today (2 overdue), 7 in the next 7 days, 10 in the next 30 days (today included).");
  const due = await tableRows(page, "fc-table-due");
  assert.equal(due.length, 30);
  assert.deepEqual(due[0], ["Today, Fri, Nov 20", "5"]);
  assert.deepEqual(
    due.filter(([, n]) => n !== "0"),
    [["Today, Fri, Nov 20", "5"], ["Wed, Nov 25", "1"], ["Thu, Nov 26", "1"], ["Mon, Nov 30", "1"], ["Sat, Dec 5", "1"], ["Sun, Dec 6", "1"]],
  );
  assert.deepEqual(due.at(-1), ["Sat, Dec 19", "0"]);

  assert.equal(await statSummary(page, "reviews"), "4 reviews today; 31 reviews on 11 days of the last 30.");
  const reviews = await tableRows(page, "fc-table-reviews");
  assert.equal(reviews.length, 30);
  assert.deepEqual(reviews[0], ["Today, Fri, Nov 20", "4"], "newest first");
  assert.deepEqual(reviews.at(-1), ["Thu, Oct 22", "1"], "the window starts on 22 October, local time");
  assert.deepEqual(reviews.find(([day]) => day === "Mon, Nov 9"), ["Mon, Nov 9", "8"]);

  assert.equal(await statSummary(page, "retention"), "Last 30 days: 86.7% (13 of 15). All time: 85.7% (30 of 35).");
  assert.deepEqual(await tableRows(page, "fc-table-retention"), [
    ["Last 30 days", "15", "13", "86.7%"],
    ["All time", "35", "30", "85.7%"],
  ]);

  assert.equal(await statSummary(page, "stability"), "15 reviewed cards: 4 under 7 days, 9 from 7 to 90 days, 2 of 90 days or more.");
  assert.deepEqual(await tableRows(page, "fc-table-stability"), [
    ["< 1 day", "2"],
    ["1–7 days", "2"],
    ["7–30 days", "4"],
    ["30–90 days", "5"],
    ["90–365 days", "1"],
    ["≥ 1 year", "1"],
  ]);
  assert.equal(await page.locator(".fc-chart").count(), 3);
  assert.equal(await page.locator('.fc-chart[aria-hidden="true"]').count(), 3, "the tables carry the charts' data for screen readers");

  // One more review today: the statistics follow without reopening; undo takes it back.
  await page.locator("[data-reveal]").click();
  await page.locator('[data-grade="3"]').click();
  assert.equal(await statSummary(page, "reviews"), "5 reviews today; 32 reviews on 11 days of the last 30.");
  assert.deepEqual((await tableRows(page, "fc-table-reviews"))[0], ["Today, Fri, Nov 20", "5"]);
  await page.locator("[data-undo]").click();
  assert.equal(await statSummary(page, "reviews"), "4 reviews today; 31 reviews on 11 days of the last 30.");
  assert.deepEqual(errors, []);
  await context.close();
});
