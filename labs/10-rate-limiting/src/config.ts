export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  /** Put in front of every Redis key (the tests give each run its own). */
  prefix: string;
  /** The policy: at most `limit` requests per client in any `windowSeconds` seconds. */
  limit: number;
  windowSeconds: number;
  /** How many proxies in front of this app append to X-Forwarded-For and can be trusted (0: none). */
  trustProxyHops: number;
  /** The API keys this gateway accepts. */
  apiKeys: ReadonlySet<string>;
}

function whole(raw: string | undefined, fallback: number, name: string, min: number): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${name} must be a whole number from ${min}, got "${raw}"`);
  return Number(raw);
}

/**
 * PORT, HOST, REDIS_URL, WORKBOOK_NS, RATE_LIMIT (default 100), RATE_WINDOW_SECONDS (default 10),
 * TRUST_PROXY_HOPS (default 0) and API_KEYS (comma-separated; default two demo keys).
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const keys = (env.API_KEYS ?? "demo-key-alice,demo-key-bob").split(",").map((k) => k.trim()).filter(Boolean);
  return {
    port: whole(env.PORT, 3000, "PORT", 0),
    host: env.HOST ?? "127.0.0.1",
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    prefix: env.WORKBOOK_NS ? `${env.WORKBOOK_NS}:` : "",
    limit: whole(env.RATE_LIMIT, 100, "RATE_LIMIT", 1),
    windowSeconds: whole(env.RATE_WINDOW_SECONDS, 10, "RATE_WINDOW_SECONDS", 1),
    trustProxyHops: whole(env.TRUST_PROXY_HOPS, 0, "TRUST_PROXY_HOPS", 0),
    apiKeys: new Set(keys),
  };
}
