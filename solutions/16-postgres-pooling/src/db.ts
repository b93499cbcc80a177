import pg from "pg";
import type { Config } from "./config.ts";

export interface Database {
  /** One statement in a transaction of its own, on whichever pooled connection is free. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** BEGIN, `work`, COMMIT on one pooled connection; ROLLBACK when anything throws. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createDatabase(config: Config): Database {
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    // This instance's share: instances × max (plus their listeners) must fit under max_connections,
    // or under PgBouncer's max_client_conn.
    max: config.poolMax,
    // pg waits for a free connection forever by default (0); a request that cannot get one in
    // time is refused with a 503 instead of queueing behind every other.
    connectionTimeoutMillis: config.poolWaitMs,
  });
  // An idle connection the server (or PgBouncer) closes makes the pool emit "error". Without a
  // listener, Node treats it as unhandled and the whole process exits. The pool has already
  // dropped that connection; the next checkout opens a new one.
  pool.on("error", (error) => {
    console.error(`an idle PostgreSQL connection was lost: ${error.message}`);
  });

  const statementTimeout = String(config.statementTimeoutMs);

  const transaction = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      // Not a startup parameter (PgBouncer 1.18 refuses statement_timeout there) and not a session
      // SET (it would stay on whichever server connection PgBouncer lent us): local to this
      // transaction, so it holds wherever the transaction runs and ends with it.
      await client.query("SELECT set_config('statement_timeout', $1, true)", [statementTimeout]);
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      // A connection left in a failed transaction would fail the next request that borrows it.
      await client.query("ROLLBACK").catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      // Every path gives the connection back; one whose ROLLBACK failed is destroyed instead.
      client.release(broken);
    }
  };

  return {
    query: (text, values) => transaction((client) => client.query(text, values)),
    transaction,
    close: () => pool.end(),
  };
}
