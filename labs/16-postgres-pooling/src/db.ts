import pg from "pg";
import type { Config } from "./config.ts";

export interface Database {
  /** One statement, on whichever pooled connection is free. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** BEGIN, `work`, COMMIT on one pooled connection. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createDatabase(config: Config): Database {
  // TODO(1): this pool ignores config: pg's defaults are up to 10 connections per instance, and a
  // request that finds none free waits for one forever. And nothing listens for the pool's "error"
  // event (README, step 1).
  const pool = new pg.Pool({ connectionString: config.databaseUrl });

  const transaction = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    // TODO(2): follow this connection down every path a request can take (README, step 2). Nothing
    // bounds how long one statement may run, either.
    const client = await pool.connect();
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  };

  return {
    query: (text, values) => pool.query(text, values),
    transaction,
    close: () => pool.end(),
  };
}
