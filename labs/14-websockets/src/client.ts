// How long a feed client waits before it reconnects (feed-client.ts uses it; so do the tests and the bench).

export interface Backoff {
  /** The first retry waits up to this long, in milliseconds. */
  baseMs: number;
  /** No retry waits longer than this, in milliseconds. */
  capMs: number;
}

/**
 * How long to wait before reconnect attempt `attempt` (0 for the first retry after a close), in milliseconds.
 * `random` returns a number in [0, 1), like Math.random.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  // TODO(5): every client retries after the same fixed delay, however often it failed: after a deploy
  // they all come back in the same instant, and keep hammering an instance that is down. README step 5
  // says how the delay must grow, be capped and be spread.
  void attempt;
  void random;
  return backoff.baseMs;
}
