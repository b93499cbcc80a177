import type { SavedProgress } from "./saved-schema.ts";

/**
 * Statistics for the flashcards page, like Anki's: what falls due, how much was reviewed, true
 * retention and how stable the cards are. Pure: it reads saved progress, the ids of the cards in
 * view and "now". Days are the learner's local calendar days (midnight to midnight in the
 * browser's time zone, so a day across a daylight-saving change has 23 or 25 hours).
 */

/** Days in the forecast and in the review history, today included in both. */
export const statsDays = 30;
/** Below this many reviews of cards in Review, a retention percentage says little: "not enough reviews yet". */
export const minRetentionReviews = 10;
/** ts-fsrs State.Review and Rating.Again (the stats need no scheduler code). */
const reviewState = 2;
const again = 1;

export interface Day {
  /** Local date, YYYY-MM-DD. */
  date: string;
  count: number;
}

export interface Retention {
  /** Reviews of cards that were in the Review state when graded. */
  reviews: number;
  /** Those not graded Again. */
  passed: number;
  /** passed / reviews, or undefined below minRetentionReviews. */
  rate: number | undefined;
}

export interface StabilityBucket {
  label: string;
  /** Days, from (inclusive) and to (exclusive). */
  from: number;
  to: number;
  count: number;
}

export interface Stats {
  /** statsDays entries from today; today counts every card already due, overdue ones included. */
  forecast: Day[];
  /** Of today's forecast, the cards due before today began. */
  overdue: number;
  /** statsDays entries, oldest first, ending today. */
  reviews: Day[];
  retention: { recent: Retention; all: Retention };
  stability: StabilityBucket[];
  /** Cards in view that have been graded at least once. */
  reviewed: number;
}

const stabilityBounds: [string, number, number][] = [
  ["< 1 day", 0, 1],
  ["1–7 days", 1, 7],
  ["7–30 days", 7, 30],
  ["30–90 days", 30, 90],
  ["90–365 days", 90, 365],
  ["≥ 1 year", 365, Infinity],
];

const pad = (n: number) => String(n).padStart(2, "0");
/** The local calendar date of a moment, YYYY-MM-DD. */
export const localDate = (at: Date) => `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
/** Local midnight at the start of the day `offset` days after the day of `at` (DST-safe: calendar arithmetic). */
const midnight = (at: Date, offset = 0) => new Date(at.getFullYear(), at.getMonth(), at.getDate() + offset);

const retention = (grades: number[]): Retention => {
  const passed = grades.filter((rating) => rating !== again).length;
  return { reviews: grades.length, passed, rate: grades.length >= minRetentionReviews ? passed / grades.length : undefined };
};

export function computeStats(progress: SavedProgress, deckIds: Iterable<string>, now: Date): Stats {
  const inDeck = new Set(deckIds);
  const days = (from: number) => Array.from({ length: statsDays }, (_, i): Day => ({ date: localDate(midnight(now, from + i)), count: 0 }));
  const forecast = days(0);
  const reviews = days(1 - statsDays);
  const forecastIndex = new Map(forecast.map((day, i) => [day.date, i]));
  const reviewIndex = new Map(reviews.map((day, i) => [day.date, i]));
  const today = midnight(now).getTime();
  const tomorrow = midnight(now, 1).getTime();
  const windowStart = midnight(now, 1 - statsDays).getTime();

  let overdue = 0;
  let reviewed = 0;
  const stability = stabilityBounds.map(([label, from, to]): StabilityBucket => ({ label, from, to, count: 0 }));
  for (const id of inDeck) {
    const card = progress.cards[id];
    if (!card || card.state === 0) continue; // new: never reviewed, not due in the forecast
    reviewed++;
    const due = Date.parse(card.due);
    const i = due < tomorrow ? 0 : forecastIndex.get(localDate(new Date(due)));
    if (i !== undefined) forecast[i]!.count++;
    if (due < today) overdue++;
    stability.find((b) => card.stability >= b.from && card.stability < b.to)!.count++;
  }

  const recent: number[] = [];
  const all: number[] = [];
  for (const review of progress.log) {
    if (!inDeck.has(review.cardId)) continue;
    const at = Date.parse(review.review);
    if (at > now.getTime()) continue; // a clock set back: not history yet
    const i = reviewIndex.get(localDate(new Date(at)));
    if (i !== undefined) reviews[i]!.count++;
    if (review.state !== reviewState) continue;
    all.push(review.rating);
    if (at >= windowStart) recent.push(review.rating);
  }

  return { forecast, overdue, reviews, retention: { recent: retention(recent), all: retention(all) }, stability, reviewed };
}
