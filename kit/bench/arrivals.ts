// The arrival schedule of an open-loop run: when each request is due and which route class it is, decided
// before the first request is sent, so a slow server cannot change it (that is what makes the loop open).
//
// Arrivals are evenly spaced (a constant inter-arrival time of 1000 / rate ms), as wrk2's constant-throughput
// mode is, rather than Poisson: the schedule is the same on every machine, a stall of T ms covers exactly
// rate * T / 1000 arrivals, and a test can count them. Poisson arrivals would add bursts of their own; the
// route class of each arrival is the random part, drawn from the mix with a seeded PRNG so runs repeat.

/** What a route class sends: built at the moment the request goes out, from its index and the run's PRNG. */
export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface MixEntry {
  routeClass: string;
  /** A share of the traffic, relative to the other entries' weights (they need not sum to 1). */
  weight: number;
  request: (index: number, random: () => number) => LoadRequest;
}

export interface Arrival {
  index: number;
  /** When it is due, in ms from the start of the run. */
  at: number;
  routeClass: string;
  entry: MixEntry;
}

/** At most this many requests in one run: a run is a bench on a laptop, not a soak test. */
export const maxRequestsPerRun = 20_000;
/** At most this many requests (so connections) in flight at once. */
export const maxInFlightCap = 1_000;

/**
 * A small seeded PRNG, Marsaglia's xorshift32 (shifts 13, 17, 5): uniform in [0, 1), the same sequence for
 * the same seed on every platform, plenty for picking route classes. Not for anything secret. The state
 * must not be 0, so the seed is offset by an odd constant first.
 */
export function seededRandom(seed: number): () => number {
  let state = ((seed >>> 0) ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

/** Check a mix; throws a message that names the entry at fault. */
export function checkMix(mix: readonly MixEntry[]): void {
  if (mix.length === 0) throw new Error("The mix is empty: give at least one route class with a weight above 0.");
  const seen = new Set<string>();
  for (const entry of mix) {
    if (!entry.routeClass) throw new Error("Every entry of the mix needs a routeClass name.");
    if (seen.has(entry.routeClass)) throw new Error(`Route class "${entry.routeClass}" is in the mix twice; give each class one entry.`);
    seen.add(entry.routeClass);
    if (!Number.isFinite(entry.weight) || entry.weight <= 0) throw new Error(`Route class "${entry.routeClass}" has weight ${entry.weight}; a weight must be a number above 0.`);
    if (typeof entry.request !== "function") throw new Error(`Route class "${entry.routeClass}" has no request function.`);
  }
}

/** How many requests a run of `rate` req/s for `durationMs` schedules. */
export const plannedRequests = (rate: number, durationMs: number) => Math.floor((rate * durationMs) / 1000);

/** The number of requests a run schedules, or an error when it is none or more than the cap. */
export function checkedRequestCount(rate: number, durationMs: number): number {
  const count = plannedRequests(rate, durationMs);
  if (count < 1) throw new Error(`${rate} req/s for ${durationMs} ms schedules no request at all.`);
  if (count > maxRequestsPerRun) {
    throw new Error(`${rate} req/s for ${durationMs} ms is ${count.toLocaleString("en-US")} requests; a run is capped at ${maxRequestsPerRun.toLocaleString("en-US")}. Lower the rate or the duration.`);
  }
  return count;
}

/** The whole schedule of a run; the same seed gives the same classes in the same order. */
export function arrivalPlan(options: { rate: number; durationMs: number; mix: readonly MixEntry[]; seed: number }): Arrival[] {
  const { rate, durationMs, mix, seed } = options;
  checkMix(mix);
  const count = checkedRequestCount(rate, durationMs);
  const total = mix.reduce((sum, e) => sum + e.weight, 0);
  const random = seededRandom(seed);
  const interval = 1000 / rate;
  const plan: Arrival[] = [];
  for (let index = 0; index < count; index++) {
    let pick = random() * total;
    const entry = mix.find((e) => (pick -= e.weight) < 0) ?? mix.at(-1)!;
    plan.push({ index, at: index * interval, routeClass: entry.routeClass, entry });
  }
  return plan;
}
