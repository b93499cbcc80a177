/**
 * Each instance keeps event summaries for a while, so a popular event is not counted on every read.
 * A booking anywhere must evict the entry everywhere: src/listen.ts hears about it.
 */
export class SummaryCache<V> {
  #entries = new Map<number, { value: V; expires: number }>();
  readonly ttlMs: number;

  constructor(ttlMs = 30_000) {
    this.ttlMs = ttlMs;
  }

  get(id: number): V | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.value;
  }

  set(id: number, value: V): void {
    this.#entries.set(id, { value, expires: Date.now() + this.ttlMs });
  }

  delete(id: number): void {
    this.#entries.delete(id);
  }

  clear(): void {
    this.#entries.clear();
  }
}
