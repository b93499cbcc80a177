import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { exportFileSchema } from "../../site/src/flashcards/saved-schema.ts";
import { computeStats, minRetentionReviews, statsDays } from "../../site/src/flashcards/stats.ts";
import { emptyProgress } from "../../site/src/flashcards/store.ts";

// The learner of the recording lives in New York: days are New York days. This test file runs in a
// process of its own, so the time zone is set for it alone. Node reads TZ again when it changes.
process.env.TZ = "America/New_York";

/**
 * tests/site/fixtures/review-log.json, recorded with the site's scheduler (record-review-log.ts):
 * 76 reviews of 16 cards from 3 August to 20 November 2026, some in the evening (22:40 in New York
 * is 02:40 or 03:40 the next day in UTC), 5 lapses, none from 14 to 19 November. One card,
 * pooling-retired-example, is no longer in the deck. At "now" (20 November, 10:00 New York time):
 * Learning ×2, Relearning ×1, Review ×13 (one of them retired); every other deck card is New.
 */
const file = exportFileSchema.parse(JSON.parse(await readFile(new URL("./fixtures/review-log.json", import.meta.url), "utf8")));
const now = new Date(file.exportedAt);
const retired = "pooling-retired-example";
const deckIds = [...Object.keys(file.progress.cards).filter((id) => id !== retired), "cache-aside-redis-down", "pooling-serverless"];

/** The YYYY-MM-DD dates from `first`, `n` calendar days. */
const calendar = (first: string, n: number) =>
  Array.from({ length: n }, (_, i) => new Date(Date.UTC(Number(first.slice(0, 4)), Number(first.slice(5, 7)) - 1, Number(first.slice(8)) + i)).toISOString().slice(0, 10));
const nonZero = (days: { date: string; count: number }[]) => Object.fromEntries(days.filter((d) => d.count > 0).map((d) => [d.date, d.count]));

test("the recording is what the expected numbers were worked out from", () => {
  assert.equal(new Date(2026, 10, 20).getTimezoneOffset(), 300, "New York time (EST) in this process");
  assert.equal(now.toISOString(), "2026-11-20T15:00:00.000Z");
  assert.equal(file.progress.log.length, 76);
  const states = Object.values(file.progress.cards).map((c) => c.state);
  assert.deepEqual([...states].sort(), [1, 1, ...Array(13).fill(2), 3]);
});

test("forecast: 30 local days from today; today holds the overdue cards; new and retired cards are not due", () => {
  const stats = computeStats(file.progress, deckIds, now);
  assert.equal(stats.forecast.length, statsDays);
  // 20 November to 19 December, across no clock change (New York left summer time on 1 November).
  assert.deepEqual(
    stats.forecast.map((d) => d.date),
    calendar("2026-11-20", 30),
  );
  // Today: caching-five-layers (due 19 Nov 08:30) and pooling-too-big (due 18 Nov 22:40), both
  // overdue; caching-etag-304 (08:31), caching-cache-control-directives (08:42, relearning) and
  // caching-lru-in-process (08:41) are in their steps, due earlier today.
  // 25 Nov cache-aside-why-ttl 07:30; 26 Nov pooling-mongodb-options 22:41 (27 Nov in UTC);
  // 30 Nov cache-aside-stampede 22:42 (1 Dec in UTC); 5 Dec caching-hit-ratio-math 22:41
  // (6 Dec in UTC); 6 Dec cache-aside-stale-race 08:31. Later than 19 Dec, so not shown:
  // cache-aside-steps (20 Dec 21:40), pooling-sizing (27 Dec), caching-private-data-cdn (3 Jan),
  // pooling-one-client (30 Apr), pooling-why (17 Nov 2027).
  assert.deepEqual(nonZero(stats.forecast), { "2026-11-20": 5, "2026-11-25": 1, "2026-11-26": 1, "2026-11-30": 1, "2026-12-05": 1, "2026-12-06": 1 });
  assert.equal(stats.overdue, 2);
  assert.equal(stats.reviewed, 15, "15 deck cards have been graded; the 2 never-graded deck cards and the retired one are left out");
});

test("reviews per local day over the last 30 days (22 October to today), across the end of summer time", () => {
  const stats = computeStats(file.progress, deckIds, now);
  assert.deepEqual(
    stats.reviews.map((d) => d.date),
    calendar("2026-10-22", 30),
  );
  // Counted from the log in New York time. The two reviews of cache-aside-stampede on 21 October
  // at 22:40 and 22:50 (22 October in UTC) are before the window; the retired card's review on
  // 25 October does not count. 2 Nov: 7 (5 cards, with learning steps); 9 Nov: 8 (4 new cards and
  // their steps, 22:40-22:54); 20 Nov: 4.
  assert.deepEqual(nonZero(stats.reviews), {
    "2026-10-22": 1,
    "2026-10-23": 1,
    "2026-10-26": 1,
    "2026-11-02": 7,
    "2026-11-04": 1,
    "2026-11-05": 1,
    "2026-11-09": 8,
    "2026-11-11": 2,
    "2026-11-12": 4,
    "2026-11-13": 1,
    "2026-11-20": 4,
  });
  assert.equal(stats.reviews.at(-1)!.count, 4, "reviews today");
  assert.equal(
    stats.reviews.reduce((sum, d) => sum + d.count, 0),
    31,
  );
});

test("true retention: reviews of cards in Review not graded Again, last 30 days and overall", () => {
  const { retention } = computeStats(file.progress, deckIds, now);
  // Last 30 days, 15 reviews of deck cards in state Review: 22 Oct, 23 Oct, 26 Oct, 2 Nov ×2, 4 Nov,
  // 5 Nov, 11 Nov ×2, 12 Nov ×3, 13 Nov, 20 Nov ×2; Again twice (caching-cache-control-directives on
  // 12 and 20 Nov). The lapse of 21 Oct 22:40 is a day before the window.
  assert.deepEqual(retention.recent, { reviews: 15, passed: 13, rate: 13 / 15 });
  // Before the window, 20 more (6 Aug ×2, 11 Aug, 20 Aug ×2, 23 Aug, 29 Aug, 13 Sep, 7 Oct, 8 Oct ×2,
  // 10 Oct ×2, 13 Oct, 14 Oct, 16 Oct ×2, 17 Oct ×2, 21 Oct) with 3 lapses (pooling-sizing 20 Aug,
  // cache-aside-stampede 8 and 21 Oct). The retired card's 6 reviews in Review are left out.
  assert.deepEqual(retention.all, { reviews: 35, passed: 30, rate: 30 / 35 });
  assert.equal((retention.recent.rate! * 100).toFixed(1), "86.7");
  assert.equal((retention.all.rate! * 100).toFixed(1), "85.7");
});

test("below the minimum count, retention has no rate (\"not enough reviews yet\")", () => {
  // The caching lesson alone: 6 reviews in Review (hit-ratio 4 and 11 Nov, five-layers 5 Nov,
  // cache-control 12 and 20 Nov (Again both times), private-data-cdn 20 Nov).
  const caching = deckIds.filter((id) => id.startsWith("caching-"));
  const { retention } = computeStats(file.progress, caching, now);
  assert.ok(6 < minRetentionReviews);
  assert.deepEqual(retention.recent, { reviews: 6, passed: 4, rate: undefined });
  assert.deepEqual(retention.all, { reviews: 6, passed: 4, rate: undefined });
});

test("stability distribution of the reviewed deck cards", () => {
  const { stability } = computeStats(file.progress, deckIds, now);
  // < 1: cache-control 0.32, etag 0.21 | 1-7: too-big 5.05, lru 2.31 | 7-30: stampede 17.8,
  // five-layers 13.8, hit-ratio 24.4, mongodb 13.8 | 30-90: sizing 70.9, steps 59.2, stale-race 34.4,
  // why-ttl 41.6, private-data-cdn 44.1 | 90-365: one-client 196 | ≥ 365: pooling-why 397.
  // (The retired card, 93.4, is not counted.)
  assert.deepEqual(
    stability.map((b) => [b.label, b.count]),
    [
      ["< 1 day", 2],
      ["1–7 days", 2],
      ["7–30 days", 4],
      ["30–90 days", 5],
      ["90–365 days", 1],
      ["≥ 1 year", 1],
    ],
  );
});

test("with nothing reviewed, everything is zero and retention has no rate", () => {
  const stats = computeStats(emptyProgress(), deckIds, now);
  assert.equal(stats.reviewed, 0);
  assert.equal(stats.overdue, 0);
  assert.deepEqual(nonZero(stats.forecast), {});
  assert.deepEqual(nonZero(stats.reviews), {});
  assert.deepEqual(stats.retention.all, { reviews: 0, passed: 0, rate: undefined });
  assert.ok(stats.stability.every((b) => b.count === 0));
});

test("a day is the learner's local day: the same log read in Tokyo", () => {
  process.env.TZ = "Asia/Tokyo";
  try {
    // 20 Nov 15:00 UTC is 21 Nov 00:00 in Tokyo: a new day, with no reviews yet, and the window
    // is 23 Oct to 21 Nov. The New York evening sessions (22:40) are the next mornings in Tokyo.
    const stats = computeStats(file.progress, deckIds, now);
    assert.equal(stats.reviews.at(-1)!.date, "2026-11-21");
    assert.equal(stats.reviews.at(-1)!.count, 0);
    assert.equal(stats.reviews.find((d) => d.date === "2026-11-20")!.count, 4);
    assert.equal(stats.reviews.find((d) => d.date === "2026-11-10")!.count, 8, "9 Nov 22:40-22:54 in New York");
    assert.equal(stats.forecast[0]!.date, "2026-11-21");
  } finally {
    process.env.TZ = "America/New_York";
  }
});
