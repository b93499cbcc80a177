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
  // Full jitter: a random wait between 0 and an exponential ceiling. Clients dropped together come back
  // spread over the whole ceiling instead of together, and the ceiling stops growing at capMs.
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** attempt);
  return random() * ceiling;
}
