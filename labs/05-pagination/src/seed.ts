// Test and bench data: many messages, deliberately awkward for pagination.
// - Several messages share each createdAt (a burst in one millisecond happens in real chats),
//   so a sort on createdAt alone has ties and only a tie-breaker makes the order total.
// - Timestamps are milliseconds apart, not seconds: a cursor that keeps less than millisecond
//   precision lands in the wrong place.
// - createdAt, _id and insertion order are shuffled against each other, so a solution cannot
//   pass by accident because "newest" happens to also mean "largest _id" or "last inserted".
import { ObjectId, type Collection } from "mongodb";
import type { MessageDoc } from "./model.ts";

/** A small deterministic PRNG (mulberry32): the same seed gives the same data on every run. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedOptions {
  count: number;
  /** How many different createdAt values to spread the messages over (default: count / 4). */
  distinctTimes?: number;
  /** The oldest createdAt; later ones are whole milliseconds after it. */
  oldest?: Date;
  /** PRNG seed, for reproducible data. */
  seed?: number;
  /** Milliseconds between two neighbouring createdAt values (default 1). */
  spacingMs?: number;
}

const AUTHORS = ["ada", "grace", "linus", "margaret", "ken", "barbara", "dennis", "radia"];
const WORDS = ["deploy", "cache", "queue", "shard", "replica", "cursor", "index", "latency", "retry", "pool"];

/** Build `count` messages without inserting them. */
export function makeMessages(options: SeedOptions): MessageDoc[] {
  const random = createRandom(options.seed ?? 45);
  const distinct = Math.max(1, options.distinctTimes ?? Math.ceil(options.count / 4));
  const oldest = (options.oldest ?? new Date("2025-01-01T00:00:00.123Z")).getTime();
  const spacing = Math.max(1, Math.floor(options.spacingMs ?? 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const docs: MessageDoc[] = [];
  for (let i = 0; i < options.count; i++) {
    docs.push({
      _id: new ObjectId(),
      createdAt: new Date(oldest + Math.floor(random() * distinct) * spacing),
      author: pick(AUTHORS),
      text: `${pick(WORDS)} ${pick(WORDS)} #${i}`,
    });
  }
  // Fisher-Yates: insertion order unrelated to _id order.
  for (let i = docs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [docs[i], docs[j]] = [docs[j]!, docs[i]!];
  }
  return docs;
}

/** Insert `count` messages in bulk (batches of 1,000) and return them. */
export async function seedMessages(messages: Collection<MessageDoc>, options: SeedOptions): Promise<MessageDoc[]> {
  const docs = makeMessages(options);
  for (let i = 0; i < docs.length; i += 1000) {
    await messages.insertMany(docs.slice(i, i + 1000), { ordered: false });
  }
  return docs;
}
