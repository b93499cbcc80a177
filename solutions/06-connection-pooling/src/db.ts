import { MongoClient, MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError, type Db } from "mongodb";
import type { Config } from "./config.ts";
import { PoolStats, type PoolSnapshot } from "./pool-stats.ts";

/** The app's only door to MongoDB. */
export interface Database {
  /** Run `work` against the app's database. */
  withDb<T>(work: (db: Db) => Promise<T>): Promise<T>;
  /** Pool checkout wait times, served by GET /pool. */
  poolStats(): PoolSnapshot;
  close(): Promise<void>;
}

export function createDatabase(config: Config): Database {
  // One client per process: it owns the connection pool and the server monitor. Requests borrow
  // a connection for one operation and hand it back, so TCP and handshake costs are paid once.
  const client = new MongoClient(config.mongoUrl, { ...config.pool, appName: "workbook-06" });

  // The driver stamps each checkout with how long it waited (checkOutStarted -> checkedOut).
  // Waits that grow under load mean requests queue for connections: the pool is the bottleneck.
  const stats = new PoolStats();
  client.on("connectionCheckedOut", (event) => stats.record(event.durationMS));
  client.on("connectionCheckOutFailed", (event) => stats.record(event.durationMS));

  // Connect at start-up to warm minPoolSize, without making start-up depend on it: with the
  // database down the app must still start and answer 503. Careful: when connect() fails, the
  // driver closes that client's topology and every later operation fails with "Topology is closed"
  // for good. So a failed attempt is forgotten and the next request starts a fresh one. Concurrent
  // requests share one attempt. Once connected, the driver reconnects by itself.
  let connecting: Promise<MongoClient> | undefined;
  const connected = () =>
    (connecting ??= client.connect().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    }));
  connected().catch((error: unknown) => {
    console.error(`MongoDB not reachable at start-up (will retry on the next request): ${error instanceof Error ? error.message : String(error)}`);
  });
  const db = client.db(config.dbName);

  return {
    async withDb(work) {
      await connected();
      return work(db);
    },
    poolStats: () => stats.snapshot(),
    close: () => client.close(),
  };
}

/**
 * True when `error` means "the database cannot be reached right now" (as opposed to a bug or a bad
 * query). The app answers those with 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  // Server selection timed out (nothing answered within serverSelectionTimeoutMS), the connection
  // broke mid-operation (MongoNetworkTimeoutError is a MongoNetworkError too), or the client is
  // closed (shutting down). Anything else is a bug and stays a 500.
  return error instanceof MongoServerSelectionError || error instanceof MongoNetworkError || error instanceof MongoTopologyClosedError;
}
