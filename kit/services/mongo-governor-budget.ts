// One member's operations budget and its counters. The budget is a token bucket kept as a virtual
// time (the "generic cell rate algorithm"): each admitted operation moves the member's next free slot
// on by 1/opsPerSecond, and up to `burst` operations may start at once while the member is idle.
// Because the slot is taken when the request arrives, requests are served in arrival order (FIFO)
// and each one's wait is known at once: the queue's length times the interval, as on a saturated server.

export interface BudgetOptions {
  opsPerSecond: number;
  burst: number;
  maxWaitMs: number;
}

/** What the governor counted, per member and in total. */
export interface GovernorCounters {
  /** Operations forwarded to the member (they used its budget), in all and by command name. */
  operations: number;
  byCommand: Record<string, number>;
  /** Operations that had to wait for the budget, their total and longest wait in ms. */
  waited: number;
  totalWaitMs: number;
  maxWaitMs: number;
  /** Operations waiting right now (a gauge: reset() leaves it). */
  queued: number;
  /** Operations answered with an overload error because their wait would have passed maxWaitMs. */
  shed: number;
  /** Handshake and monitoring commands passed through without using the budget, by name. */
  exempt: Record<string, number>;
}

export const emptyCounters = (): GovernorCounters => ({ operations: 0, byCommand: {}, waited: 0, totalWaitMs: 0, maxWaitMs: 0, queued: 0, shed: 0, exempt: {} });

const bump = (counts: Record<string, number>, name: string) => void (counts[name] = (counts[name] ?? 0) + 1);

/** Adds `part` into `sum` (the total over members). */
export function addCounters(sum: GovernorCounters, part: GovernorCounters): GovernorCounters {
  sum.operations += part.operations;
  sum.waited += part.waited;
  sum.totalWaitMs += part.totalWaitMs;
  sum.maxWaitMs = Math.max(sum.maxWaitMs, part.maxWaitMs);
  sum.queued += part.queued;
  sum.shed += part.shed;
  for (const [name, n] of Object.entries(part.byCommand)) sum.byCommand[name] = (sum.byCommand[name] ?? 0) + n;
  for (const [name, n] of Object.entries(part.exempt)) sum.exempt[name] = (sum.exempt[name] ?? 0) + n;
  return sum;
}

let turnStart: number | undefined;

/**
 * The time the event loop's current turn began (ms, performance.now()): every request read in one turn
 * arrived together, however long the governor (sharing a busy CPU) takes to get through them.
 */
export function turnClock(): number {
  if (turnStart === undefined) {
    turnStart = performance.now();
    setImmediate(() => (turnStart = undefined));
  }
  return turnStart;
}

export class MemberBudget {
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #maxWaitMs: number;
  readonly #now: () => number;
  /** When the member is free again if every admitted operation runs in turn (virtual time, ms). */
  #nextFree = -Infinity;
  #counters = emptyCounters();

  constructor(options: BudgetOptions, now: () => number = turnClock) {
    this.#intervalMs = 1000 / options.opsPerSecond;
    this.#toleranceMs = (options.burst - 1) * this.#intervalMs;
    this.#maxWaitMs = options.maxWaitMs;
    this.#now = now;
  }

  /** The budget's clock: a wait returned by reserve() runs from this time. */
  now(): number {
    return this.#now();
  }

  /**
   * Takes the next slot for one operation: how long it must wait (0 when the budget has room), or
   * undefined when that wait would pass maxWaitMs (the operation is shed and takes no slot).
   */
  reserve(): number | undefined {
    const now = this.#now();
    const start = Math.max(this.#nextFree, now);
    const waitMs = Math.max(0, start - this.#toleranceMs - now);
    if (waitMs > this.#maxWaitMs) {
      this.#counters.shed++;
      return undefined;
    }
    this.#nextFree = start + this.#intervalMs;
    if (waitMs > 0) {
      const c = this.#counters;
      c.waited++;
      c.totalWaitMs += waitMs;
      c.maxWaitMs = Math.max(c.maxWaitMs, waitMs);
    }
    return waitMs;
  }

  queued(delta: number): void {
    this.#counters.queued += delta;
  }

  forwarded(name: string): void {
    this.#counters.operations++;
    bump(this.#counters.byCommand, name);
  }

  exempt(name: string): void {
    bump(this.#counters.exempt, name);
  }

  counters(): GovernorCounters {
    const c = this.#counters;
    return { ...c, byCommand: { ...c.byCommand }, exempt: { ...c.exempt } };
  }

  /** Zeroes the counters; the queue and the budget's state are left as they are. */
  reset(): void {
    this.#counters = { ...emptyCounters(), queued: this.#counters.queued };
  }
}
