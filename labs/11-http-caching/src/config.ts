// Settings from the environment. The tests shorten the cache windows so that they can watch an
// object expire; the defaults are what the README's contract describes.
export interface Config {
  port: number;
  host: string;
  /** Where the app sends its invalidations (PURGE or BAN): the Varnish in front of it. */
  varnishUrl: string | undefined;
  /** How long a shared cache may keep public catalog data (s-maxage), in seconds. */
  sharedTtlSeconds: number;
  /** How long after that a cache may serve it stale while it fetches a fresh copy, in seconds. */
  staleWhileRevalidateSeconds: number;
  /** How long a cache may serve it stale when the origin fails, in seconds. */
  staleIfErrorSeconds: number;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number of seconds, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? "127.0.0.1",
    varnishUrl: env.VARNISH_URL || undefined,
    sharedTtlSeconds: seconds(env, "SHARED_TTL_S", 60),
    staleWhileRevalidateSeconds: seconds(env, "SWR_S", 30),
    staleIfErrorSeconds: seconds(env, "SIE_S", 600),
  };
}
