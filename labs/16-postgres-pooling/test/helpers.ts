import pg from "pg";
import { labServices, startInstance, startInstances, type Instance } from "#kit/testing/index.ts";
import { startPrivatePgbouncer, startPrivatePostgres, type ResolvedPostgres, type ResolvedService } from "#kit/services/index.ts";
import { createSchema } from "../src/schema.ts";

export const serverEntry = new URL("../src/server.ts", import.meta.url);
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface StackOptions {
  /** PostgreSQL's max_connections (default 100, PostgreSQL's own default). */
  maxConnections?: number;
  /** Put PgBouncer in transaction mode in front (default false). */
  bouncer?: boolean;
  /** PostgreSQL's default TimeZone (default UTC). */
  timeZone?: string;
}

export interface Stack {
  /** The app's database "app" on PostgreSQL itself. */
  directUrl: string;
  /** The same database through PgBouncer (only with bouncer: true). */
  bouncerUrl: string;
  /** The test's own connection to database "postgres", for looking at what the app does. */
  admin: pg.Client;
  /** Server connections to database "app" right now, not counting the listener's. */
  appConnections(): Promise<number>;
  /** Run `sql` on a fresh direct connection to "app". */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/**
 * A PostgreSQL of this test file's own (so its connection limit is the test's alone), with the app's
 * tables in database "app", and, if asked, PgBouncer in transaction mode in front: at least four
 * server connections, lent round-robin, as a busy PgBouncer ends up lending them.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const { env } = await labServices(["postgres", "pgbouncer"]);
  const binDir = env.PG_BIN_DIR;
  if (!binDir) throw new Error("PG_BIN_DIR is not set: run the tests with npm run lab -- test 16");
  const postgres: ResolvedPostgres = await startPrivatePostgres(binDir, {
    max_connections: String(options.maxConnections ?? 100),
    TimeZone: options.timeZone ?? "UTC",
  });
  postgres.unref?.();
  const base = new URL(postgres.url);
  const at = (db: string) => Object.assign(new URL(base), { pathname: `/${db}` }).toString();
  const admin = new pg.Client({ connectionString: at("postgres") });
  await admin.connect();
  await admin.query("CREATE DATABASE app");
  const directUrl = at("app");
  const setup = new pg.Client({ connectionString: directUrl });
  await setup.connect();
  await createSchema(setup);
  await setup.end();
  let bouncer: ResolvedService | undefined;
  if (options.bouncer) {
    const binary = env.PGBOUNCER_BIN;
    if (!binary) throw new Error("PGBOUNCER_BIN is not set: run the tests with npm run lab -- test 16");
    bouncer = await startPrivatePgbouncer(binary, directUrl, {
      poolMode: "transaction",
      defaultPoolSize: 8,
      maxClientConn: 500,
      settings: { min_pool_size: "4", server_round_robin: "1" },
    });
    bouncer.unref?.();
  }
  return {
    directUrl,
    bouncerUrl: bouncer?.url ?? "",
    admin,
    async appConnections() {
      const { rows } = await admin.query<{ n: number }>(
        "SELECT count(*)::integer AS n FROM pg_stat_activity WHERE datname = 'app' AND backend_type = 'client backend' AND application_name <> 'bookings-listener' AND query NOT ILIKE 'LISTEN%'",
      );
      return rows[0]?.n ?? 0;
    },
    async sql(text, values) {
      const client = new pg.Client({ connectionString: directUrl });
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    async close() {
      await admin.end().catch(() => {});
      await bouncer?.stop();
      await postgres.stop();
    },
  };
}

/** Environment for the app: queries to `databaseUrl`, LISTEN straight to PostgreSQL. */
export function appEnv(stack: Stack, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: databaseUrl, DIRECT_DATABASE_URL: stack.directUrl, ...extra };
}

/** End instances at once: these tests are about connections, not shutdown, and a stuck starter must not hold them up. */
export async function killAll(instances: readonly Instance[]): Promise<void> {
  await Promise.all(instances.map((instance) => instance.kill()));
}

export function startApp(env: Record<string, string>, name?: string): Promise<Instance> {
  return startInstance({ entry: serverEntry, env, ...(name ? { name } : {}) });
}

export function startApps(count: number, env: Record<string, string>): Promise<Instance[]> {
  return startInstances(count, { entry: serverEntry, env });
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** One request; never throws for a status, and gives up after `timeoutMs` with status 0. */
export async function call(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Reply> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
    const text = await res.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { raw: text };
    }
    return { status: res.status, body, headers: res.headers };
  } catch (error) {
    return { status: 0, body: { error: (error as Error).name === "TimeoutError" ? `no answer within ${init.timeoutMs ?? 15_000} ms` : (error as Error).message }, headers: new Headers() };
  }
}

export function bookingRequest(name: string, zone?: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...(zone ? { "x-time-zone": zone } : {}) },
    body: JSON.stringify({ name }),
  };
}

/** "status: count" for a failure message, e.g. "201: 380, 503: 20". */
export function tally(statuses: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status === 0 ? "no answer" : status}: ${n}`).join(", ");
}

/** The last lines an instance printed, for a failure message. */
export function tail(instance: Instance, lines = 6): string {
  return instance.output().trim().split("\n").slice(-lines).join("\n") || "(nothing)";
}

/** Hold an exclusive lock on a whole table (even reads wait), until release(). */
export async function lockTable(stack: Stack, table: "events" | "reminders_sent"): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: stack.directUrl });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    async release() {
      await client.query("ROLLBACK").catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

/**
 * Wait until `total` requests have either answered or wait in PostgreSQL for a lock (a backend of
 * database "app" whose wait_event_type is Lock, seen through the admin connection). Gives up after `timeoutMs`.
 */
export async function untilSettledOrWaiting(stack: Stack, answered: () => number, total: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await stack.admin.query<{ n: number }>("SELECT count(*)::integer AS n FROM pg_stat_activity WHERE datname = 'app' AND wait_event_type = 'Lock'");
    if (answered() + (rows[0]?.n ?? 0) >= total || Date.now() > deadline) return;
    await sleep(50);
  }
}

/** Hold a row lock on one event from the test's own connection, until release(). */
export async function lockEvent(stack: Stack, id: number): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: stack.directUrl });
  await client.connect();
  await client.query("BEGIN");
  await client.query("SELECT id FROM events WHERE id = $1 FOR UPDATE", [id]);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query("ROLLBACK").catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
