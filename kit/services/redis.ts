import { Redis } from "ioredis";
import { canConnect, getFreePort } from "./ports.ts";
import { PrivateServerError, startPrivateServer } from "./private-server.ts";
import { NoServiceError, type ResolvedService } from "./types.ts";

/** Where docker-compose.yml publishes Redis. */
export const composeRedisUrl = "redis://127.0.0.1:6379";

export interface RedisResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** The compose default to probe; tests point it at a closed port. */
  defaultUrl?: string;
  /** The redis-server binary to start as the embedded default. */
  redisServer?: string;
}

export class NoRedisError extends NoServiceError {
  override name = "NoRedisError";
  constructor(detail: string) {
    super("Redis", detail, [
      "set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6380",
      "start the compose service: docker compose up -d redis   (listens on 127.0.0.1:6379)",
      "install redis-server (apt install redis-server / brew install redis); the kit starts a private one",
    ]);
  }
}

/** PING a Redis URL; false on any error within timeoutMs. */
export async function redisAnswers(url: string, timeoutMs = 500): Promise<boolean> {
  const parsed = new URL(url);
  if (!(await canConnect(parsed.hostname, Number(parsed.port || 6379), timeoutMs))) return false;
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Resolve Redis in the documented order: REDIS_URL, the compose default on 127.0.0.1:6379,
 * a private redis-server on a free port, or a clear error naming all three.
 */
export async function resolveRedis(options: RedisResolveOptions = {}): Promise<ResolvedService> {
  const env = options.env ?? process.env;
  if (env.REDIS_URL) {
    return { url: env.REDIS_URL, backend: `Redis from REDIS_URL (${env.REDIS_URL})`, stop: async () => {} };
  }
  const defaultUrl = options.defaultUrl ?? env.WORKBOOK_COMPOSE_REDIS_URL ?? composeRedisUrl;
  if (await redisAnswers(defaultUrl)) {
    return { url: defaultUrl, backend: `Redis at ${defaultUrl} (the compose default)`, stop: async () => {} };
  }
  return startPrivateRedis(options.redisServer ?? "redis-server");
}

/** Start a redis-server with persistence off on a free loopback port, its directory a temporary one; stopped by `stop()` or with this process. */
export async function startPrivateRedis(binary = "redis-server"): Promise<ResolvedService> {
  const port = await getFreePort();
  const url = `redis://127.0.0.1:${port}`;
  let server;
  try {
    server = await startPrivateServer({
      name: `a private ${binary} on port ${port}`,
      binary,
      dirPrefix: "redis",
      args: (dir) => ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir],
      ready: () => redisAnswers(url, 300),
      // redis-server answers within milliseconds of starting; 10 s allows for a machine under heavy load.
      readyTimeoutMs: 10_000,
    });
  } catch (error) {
    if (error instanceof PrivateServerError && error.reason === "spawn") {
      throw new NoRedisError(`REDIS_URL is not set, nothing answers on 127.0.0.1:6379, and "${binary}" is not on PATH`);
    }
    if (error instanceof PrivateServerError) throw new NoRedisError(error.message);
    throw error;
  }
  return {
    url,
    backend: `a private redis-server on 127.0.0.1:${port} (persistence off; stopped when the run ends)`,
    stop: server.stop,
    unref: server.unref,
  };
}
