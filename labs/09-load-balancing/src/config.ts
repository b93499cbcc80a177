/** Settings of one API instance, from its environment. */
export interface Config {
  port: number;
  host: string;
  /** How this instance names itself in answers (X-Instance): app1, app2... */
  instance: string;
  /** How long GET /work takes here, in ms: the tests make one instance 20 times slower than the others. */
  workMs: number;
  /** How long a fresh process warms up (loads its caches) before it can serve, in ms. */
  warmupMs: number;
  /** Print a line when a request starts and ends (the tests count requests in flight from them). */
  trace: boolean;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number from 0, got "${raw}"`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: whole(env, "PORT", 3000),
    host: env.HOST ?? "127.0.0.1",
    instance: env.INSTANCE ?? `pid-${process.pid}`,
    workMs: whole(env, "WORK_MS", 10),
    warmupMs: whole(env, "WARMUP_MS", 1000),
    trace: env.LB_LAB_TRACE === "1",
  };
}
