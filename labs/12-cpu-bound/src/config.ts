export interface Config {
  port: number;
  host: string;
  /** PBKDF2 iterations per password hash (OWASP's 2023 figure for PBKDF2-HMAC-SHA256 is 600,000). */
  iterations: number;
}

function whole(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a whole number from 1, got "${raw}"`);
  return Number(raw);
}

/** PORT, HOST and HASH_ITERATIONS. The pool's own settings (POOL_SIZE, QUEUE_MAX) are read in src/pool.ts. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: whole(env.PORT, 3000, "PORT"),
    host: env.HOST ?? "127.0.0.1",
    iterations: whole(env.HASH_ITERATIONS, 600_000, "HASH_ITERATIONS"),
  };
}
