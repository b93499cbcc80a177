/** What the kit hands a lab's bench scenario (labs/NN-slug/bench.ts, default export). */
export interface BenchContext {
  /** The lab folder to measure: a scratch copy of the starter, the learner's labs/NN-slug, or the solved lab. */
  appDir: string;
  /** Which code is being measured. */
  variant: "starter" | "yours" | "solution";
  /** REDIS_URL, MONGO_URL and a fresh WORKBOOK_NS for this run. */
  env: Record<string, string>;
  /** Progress lines for the learner (kept short). */
  log(message: string): void;
  /**
   * `npm run lab -- bench NN --load 3x`: the multiples of the base rate a load-curve scenario runs, lowest
   * first, instead of its own (usually 1x, 2x, 5x, 10x). Absent when not asked for; other scenarios ignore it.
   */
  multiples?: number[];
}

/** One number the scenario measured. */
export interface BenchFigure {
  /** e.g. "sessions lost per 200 requests" */
  name: string;
  value: number;
  /** e.g. "requests", "ms", "queries" */
  unit: string;
  /** Which direction is an improvement; the kit uses it to word the comparison. */
  better: "lower" | "higher";
  /** The figure the lab is about: printed first, in a sentence. Default: the first figure that is not a reference. */
  headline?: boolean;
  /**
   * Measured without the learner's code (straight against the database, say), to show what the
   * figures should look like. Printed apart, once, never compared. A name starting with
   * "reference" means the same.
   */
  reference?: boolean;
}

export type BenchScenario = (context: BenchContext) => Promise<BenchFigure[]>;
