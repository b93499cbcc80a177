import { MongoClient } from "mongodb";
import { NoServiceError, type ResolvedService } from "./types.ts";

/** Where docker-compose.yml publishes the replica set rs0. */
export const composeMongoUrl = "mongodb://127.0.0.1:27017,127.0.0.1:27018,127.0.0.1:27019/?replicaSet=rs0";

export interface MongoResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Labs that read from secondaries need a replica set; others take any deployment. */
  replicaSet?: boolean;
  /** The compose default to probe; tests point it at a closed port. */
  defaultUrl?: string;
  /** Replication lag of the embedded replica set, in ms. */
  lagMs?: number;
  /** Set false to skip the embedded stand-in (used by the kit's own tests). */
  embedded?: boolean;
}

export class NoMongoError extends NoServiceError {
  override name = "NoMongoError";
  constructor(detail: string) {
    super("MongoDB", detail, [
      "set MONGO_URL, e.g. MONGO_URL='mongodb://127.0.0.1:27017/?replicaSet=rs0'",
      "start the compose replica set: docker compose up -d mongo1 mongo2 mongo3",
      "use the embedded stand-in (the default; see kit/mongo-standin/README.md)",
    ]);
  }
}

/** True when a MongoDB deployment answers `ping` at url within timeoutMs. */
export async function mongoAnswers(url: string, timeoutMs = 800): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.connect();
    await client.db("admin").command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * Resolve MongoDB in the documented order: MONGO_URL, the compose replica set, the embedded
 * stand-in (in replica-set mode when the lab needs secondaries), or a clear error.
 */
export async function resolveMongo(options: MongoResolveOptions = {}): Promise<ResolvedService> {
  const env = options.env ?? process.env;
  if (env.MONGO_URL) {
    return { url: env.MONGO_URL, backend: `MongoDB from MONGO_URL (${redact(env.MONGO_URL)})`, stop: async () => {} };
  }
  const defaultUrl = options.defaultUrl ?? env.WORKBOOK_COMPOSE_MONGO_URL ?? composeMongoUrl;
  if (await mongoAnswers(defaultUrl)) {
    return { url: defaultUrl, backend: "the compose MongoDB replica set rs0 on 127.0.0.1:27017-27019", stop: async () => {} };
  }
  if (options.embedded === false) throw new NoMongoError("MONGO_URL is not set and the compose replica set does not answer");
  const { startMongoStandin } = await import("../mongo-standin/index.ts");
  const lagMs = options.lagMs ?? 300;
  const standin = await startMongoStandin(options.replicaSet ? { replicaSet: { name: "rs0", lagMs } } : {});
  return {
    url: standin.uri,
    backend: options.replicaSet
      ? `the embedded MongoDB stand-in, replica set rs0 on ${standin.hosts.join(", ")} (replication lag ${lagMs} ms; data in memory)`
      : `the embedded MongoDB stand-in on ${standin.hosts.join(", ")} (data in memory)`,
    stop: () => standin.close(),
    unref: () => standin.unref(),
  };
}

/** Hide a password in a connection string before printing it. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, "//$1:***@");
}
