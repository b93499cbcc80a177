import { MongoClient, type Db } from "mongodb";
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
  const stats = new PoolStats();
  // TODO(4): record how long each pool checkout waited, from the driver's CMAP events,
  // into `stats` (a client emits "connectionCheckedOut" with the wait in `durationMS`).
  return {
    async withDb(work) {
      // TODO(1): one MongoClient per process, created once in createDatabase and shared by every
      // request. This one opens a client (and its TCP connections, handshakes and monitor) for
      // every request, then throws it all away.
      // TODO(2): pass the pool settings from config to the MongoClient.
      const client = new MongoClient(config.mongoUrl);
      try {
        await client.connect();
        return await work(client.db(config.dbName));
      } finally {
        await client.close();
      }
    },
    poolStats: () => stats.snapshot(),
    close: async () => {},
  };
}

/**
 * True when `error` means "the database cannot be reached right now" (as opposed to a bug or a bad
 * query). The app answers those with 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  // TODO(3): recognise the driver's errors for an unreachable database (server selection timed
  // out, network errors). Pair this with a short serverSelectionTimeoutMS (TODO(2)): the driver's
  // default is 30 seconds. And make sure the app recovers when the database comes back: after a
  // failed first connect (yours or the driver's automatic one), every operation on that client
  // fails with "Topology is closed" until client.connect() is called again (README, step 3).
  void error;
  return false;
}
