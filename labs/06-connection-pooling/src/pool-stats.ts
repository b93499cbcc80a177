/**
 * Pool checkout wait times: how long a request waited to get a connection from the pool.
 * Fed by the driver's CMAP events (see src/db.ts); read by GET /pool. Keeps the most recent
 * samples only, so memory stays bounded however long the process runs.
 */
export interface PoolSnapshot {
  /** Checkouts recorded since start-up. */
  checkouts: number;
  /** Wait percentiles over the recent samples, in milliseconds (0 when there are none). */
  waitMs: { p50: number; p95: number; max: number };
}

export class PoolStats {
  private readonly samples: number[] = [];
  private next = 0;
  private count = 0;
  private readonly capacity: number;

  constructor(capacity = 1000) {
    this.capacity = capacity;
  }

  /** Record one checkout that waited `ms` milliseconds. */
  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    this.count++;
  }

  snapshot(): PoolSnapshot {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    return { checkouts: this.count, waitMs: { p50: round(at(50)), p95: round(at(95)), max: round(sorted.at(-1) ?? 0) } };
  }
}
