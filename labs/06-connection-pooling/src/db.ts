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
  // TODO(4): record into `stats` how long each operation waited for a pooled connection, in
  // milliseconds. The driver already measures it and reports it through its pool events.
  return {
    async withDb(work) {
      // TODO(1): this opens a client (TCP connections, handshakes, a monitor) for every request and
      // throws it all away. One client per process, shared by every request; close() closes it.
      // TODO(2): the client gets its pool settings from config.
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
  // TODO(3): true only for "no usable server right now" (no server within the selection timeout,
  // a broken connection); false for errors the server answers with and for bugs. Also make sure
  // the app starts while the database is down and recovers when it returns (README, step 3).
  void error;
  return false;
}
