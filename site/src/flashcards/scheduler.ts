import { createEmptyCard, fsrs, Rating, State, type Card, type Grade, type ReviewLog } from "ts-fsrs";
import type { SavedCard, SavedProgress, SavedReview } from "./saved-schema.ts";

/** FSRS with its default parameters (they already beat SM-2 in the open srs-benchmark). */
const scheduler = fsrs();

export const grades = [
  { grade: Rating.Again, key: "1", label: "Again" },
  { grade: Rating.Hard, key: "2", label: "Hard" },
  { grade: Rating.Good, key: "3", label: "Good" },
  { grade: Rating.Easy, key: "4", label: "Easy" },
] as const satisfies readonly { grade: Grade; key: string; label: string }[];

const toCard = (saved: SavedCard): Card => ({
  ...saved,
  due: new Date(saved.due),
  last_review: saved.last_review ? new Date(saved.last_review) : undefined,
});

const fromCard = (card: Card): SavedCard => ({
  due: card.due.toISOString(),
  stability: card.stability,
  difficulty: card.difficulty,
  elapsed_days: card.elapsed_days,
  scheduled_days: card.scheduled_days,
  learning_steps: card.learning_steps,
  reps: card.reps,
  lapses: card.lapses,
  state: card.state,
  last_review: card.last_review ? card.last_review.toISOString() : null,
});

const fromLog = (cardId: string, log: ReviewLog): SavedReview => ({
  cardId,
  rating: log.rating,
  state: log.state,
  due: log.due.toISOString(),
  stability: log.stability,
  difficulty: log.difficulty,
  elapsed_days: log.elapsed_days,
  last_elapsed_days: log.last_elapsed_days,
  scheduled_days: log.scheduled_days,
  learning_steps: log.learning_steps,
  review: log.review.toISOString(),
});

export const cardFor = (progress: SavedProgress, id: string, now: Date): Card => {
  const saved = progress.cards[id];
  return saved ? toCard(saved) : createEmptyCard(now);
};

export type Kind = "new" | "learning" | "review";

const kindOf = (saved: SavedCard | undefined): Kind =>
  !saved || saved.state === State.New ? "new" : saved.state === State.Review ? "review" : "learning";

export interface Queue {
  /** Ids to study now: due learning cards, then due reviews (oldest first), then new cards in deck order. */
  ids: string[];
  /** new: never seen; learning: in (re)learning steps, due or not; review: reviews due now. */
  counts: Record<Kind, number>;
  /** When nothing is due: the soonest time a seen card comes back. */
  nextDue: Date | undefined;
}

export function buildQueue(progress: SavedProgress, deckIds: string[], now: Date): Queue {
  const due: { id: string; kind: Kind; at: number }[] = [];
  const fresh: string[] = [];
  let nextDue: number | undefined;
  let learning = 0;
  for (const id of deckIds) {
    const saved = progress.cards[id];
    const kind = kindOf(saved);
    if (kind === "new" || !saved) {
      fresh.push(id);
      continue;
    }
    if (kind === "learning") learning++;
    const at = Date.parse(saved.due);
    if (at <= now.getTime()) due.push({ id, kind, at });
    else nextDue = Math.min(nextDue ?? at, at);
  }
  due.sort((a, b) => (a.kind === b.kind ? a.at - b.at : a.kind === "learning" ? -1 : 1));
  // Learning counts every card in its learning or relearning steps, due or not: those come back
  // within minutes, and a count of only the due ones reads 0 right after a card was graded Again.
  // New and Review count what is there to study now.
  const counts = { new: fresh.length, learning, review: due.filter((d) => d.kind === "review").length };
  return { ids: [...due.map((d) => d.id), ...fresh], counts, nextDue: nextDue === undefined ? undefined : new Date(nextDue) };
}

/** "1m", "10m", "3h", "4d", "2mo", "1.5y": how long until the card comes back after each grade. */
export function formatInterval(from: Date, to: Date): string {
  const minutes = Math.max(1, Math.round((to.getTime() - from.getTime()) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours}h`;
  const days = Math.round(hours / 24);
  if (days < 31) return `${days}d`;
  if (days < 365) return `${Math.round(days / 30)}mo`;
  return `${Math.round((days / 365) * 10) / 10}y`;
}

export function previewIntervals(progress: SavedProgress, id: string, now: Date): Record<Grade, string> {
  const preview = scheduler.repeat(cardFor(progress, id, now), now);
  return {
    [Rating.Again]: formatInterval(now, preview[Rating.Again].card.due),
    [Rating.Hard]: formatInterval(now, preview[Rating.Hard].card.due),
    [Rating.Good]: formatInterval(now, preview[Rating.Good].card.due),
    [Rating.Easy]: formatInterval(now, preview[Rating.Easy].card.due),
  } as Record<Grade, string>;
}

/** Grade a card; returns new progress (the input is not changed, so a failed save loses nothing). */
export function grade(progress: SavedProgress, id: string, rating: Grade, now: Date): SavedProgress {
  const { card, log } = scheduler.next(cardFor(progress, id, now), now, rating);
  return { ...progress, cards: { ...progress.cards, [id]: fromCard(card) }, log: [...progress.log, fromLog(id, log)] };
}

/** Undo the most recent grade with ts-fsrs `rollback`; returns the new progress and the card to show again. */
export function undoLast(progress: SavedProgress, now: Date): { progress: SavedProgress; cardId: string } | undefined {
  const last = progress.log.at(-1);
  if (!last) return undefined;
  const current = cardFor(progress, last.cardId, now);
  const previous = scheduler.rollback(current, last);
  const cards = { ...progress.cards };
  // A card rolled back to "never reviewed" is new again, exactly as before its first grade.
  if (previous.state === State.New && previous.reps === 0) delete cards[last.cardId];
  else cards[last.cardId] = fromCard(previous);
  return { progress: { ...progress, cards, log: progress.log.slice(0, -1) }, cardId: last.cardId };
}
