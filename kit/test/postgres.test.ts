// PostgreSQL and PgBouncer resolution (kit/services/postgres.ts): an explicit URL, compose's service, a private
// server from the binaries (initdb for PostgreSQL), or a clear error naming the packages. PgBouncer is checked
// doing its job: many clients, few server connections. (A parent killed with SIGKILL leaving no server
// behind: kit/test/lifecycle.test.ts.)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { getFreePort } from "../services/ports.ts";
import {
  findPgbouncer,
  findPostgresBinDir,
  locatePgbouncer,
  locatePostgres,
  NoPgbouncerError,
  NoPostgresError,
  postgresAnswers,
  resolvePgbouncer,
  resolvePostgres,
  type ResolvedPostgres,
} from "../services/postgres.ts";

const closedUrl = async () => `postgres://workbook@127.0.0.1:${await getFreePort()}/workbook`;
const noServer = (await findPostgresBinDir()) ? false : "no initdb and postgres here (apt install postgresql)";
const noBouncer = noServer || ((await findPgbouncer()) ? false : "no pgbouncer here (apt install pgbouncer)");

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe("PostgreSQL resolution", () => {
  test("1. POSTGRES_URL wins, without probing anything, and its password is not printed", async () => {
    const resolved = await resolvePostgres({ env: { POSTGRES_URL: "postgres://app:s3cret@db.invalid:5432/app" }, composeUrl: "postgres://x@127.0.0.1:1/x" });
    assert.equal(resolved.url, "postgres://app:s3cret@db.invalid:5432/app");
    assert.equal(resolved.started, false);
    assert.match(resolved.backend, /POSTGRES_URL \(postgres:\/\/app:\*\*\*@db\.invalid:5432\/app\)/);
  });

  test("4. without a URL, compose or the binaries, a clear error names the three ways and the packages", async () => {
    await assert.rejects(resolvePostgres({ env: { PATH: "/nonexistent" }, composeUrl: await closedUrl(), extraDirs: [] }), (error: Error) => {
      assert.ok(error instanceof NoPostgresError, `expected a NoPostgresError, got ${error.name}: ${error.message}`);
      assert.match(error.message, /initdb and postgres are neither on PATH nor in \/usr\/lib\/postgresql/);
      assert.match(error.message, /POSTGRES_URL/);
      assert.match(error.message, /docker compose --profile postgres up -d postgres/);
      assert.match(error.message, /apt install postgresql/);
      return true;
    });
    await assert.rejects(resolvePostgres({ env: { PG_BIN_DIR: "/no/such/dir" }, composeUrl: await closedUrl() }), /PG_BIN_DIR=\/no\/such\/dir holds no initdb and postgres/);
  });

  describe("with the binaries", { skip: noServer }, () => {
    let server: ResolvedPostgres;
    before(async () => {
      server = await resolvePostgres({ env: process.env, composeUrl: await closedUrl(), settings: { max_connections: "17" } });
    });
    after(async () => {
      await server?.stop();
    });

    test("3. a private server: initdb, role and database workbook on a free loopback port, with the given settings", async () => {
      assert.equal(server.started, true);
      assert.match(server.backend, /private PostgreSQL/);
      const [row] = await query<{ user: string; db: string; max: string; fsync: string }>(
        server.url,
        "SELECT current_user AS user, current_database() AS db, current_setting('max_connections') AS max, current_setting('fsync') AS fsync",
      );
      assert.deepEqual(row, { user: "workbook", db: "workbook", max: "17", fsync: "off" });
    });

    test("2. compose's server, when it answers", async () => {
      const resolved = await resolvePostgres({ env: {}, composeUrl: server.url });
      assert.equal(resolved.started, false);
      assert.equal(resolved.url, server.url);
      assert.match(resolved.backend, /the compose service/);
    });

    test("PgBouncer in transaction mode serves 12 concurrent clients over at most 2 server connections", { skip: noBouncer }, async () => {
      const bouncer = await resolvePgbouncer(server.url, { poolMode: "transaction", defaultPoolSize: 2, env: process.env });
      try {
        assert.match(bouncer.backend, /private PgBouncer .* transaction pooling/);
        const clients = Array.from({ length: 12 }, () => new pg.Client({ connectionString: bouncer.url }));
        await Promise.all(clients.map((client) => client.connect()));
        try {
          // One watcher connection, one query at a time: watchers that overlapped counted each other.
          const watcher = new pg.Client({ connectionString: server.url });
          await watcher.connect();
          let peak = 0;
          let done = false;
          const watching = (async () => {
            while (!done) {
              const { rows } = await watcher.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = 'workbook' AND usename = 'workbook' AND pid <> pg_backend_pid()");
              peak = Math.max(peak, Number(rows[0]!.n));
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          })();
          await Promise.all(clients.map((client) => client.query("SELECT pg_sleep(0.2)")));
          done = true;
          await watching;
          await watcher.end();
          assert.ok(peak >= 1 && peak <= 2, `PgBouncer should hold at most default_pool_size = 2 server connections; saw ${peak}`);
          const pools = await query<{ database: string; pool_mode: string }>(bouncer.url.replace(/\/[^/]*$/, "/pgbouncer"), "SHOW POOLS");
          assert.ok(pools.some((pool) => pool.database === "workbook" && pool.pool_mode === "transaction"), `SHOW POOLS: ${JSON.stringify(pools)}`);
        } finally {
          await Promise.all(clients.map((client) => client.end()));
        }
      } finally {
        await bouncer.stop();
      }
      assert.equal(await postgresAnswers(bouncer.url, 300), false, "stop() should end PgBouncer");
    });

    test("stop() ends the private server", async () => {
      const other = await resolvePostgres({ env: process.env, composeUrl: await closedUrl() });
      assert.ok(await postgresAnswers(other.url));
      await other.stop();
      assert.equal(await postgresAnswers(other.url, 300), false);
    });
  });

  test("without PgBouncer, a clear error names the three ways and the package", async () => {
    await assert.rejects(resolvePgbouncer("postgres://workbook@127.0.0.1:1/workbook", { env: { PATH: "/nonexistent" }, composeUrl: await closedUrl(), extraDirs: [] }), (error: Error) => {
      assert.ok(error instanceof NoPgbouncerError, `expected a NoPgbouncerError, got ${error.name}: ${error.message}`);
      assert.match(error.message, /"pgbouncer" is neither on PATH nor in/);
      assert.match(error.message, /PGBOUNCER_URL/);
      assert.match(error.message, /docker compose --profile postgres up -d pgbouncer/);
      assert.match(error.message, /apt install pgbouncer/);
      return true;
    });
  });

  test("a lab that starts its own servers gets the binaries' places, or an error that offers no URL, since none would do", async () => {
    await assert.rejects(locatePostgres({ PATH: "/nonexistent" }, []), (error: Error) => {
      assert.ok(error instanceof NoPostgresError, `expected a NoPostgresError, got ${error.name}: ${error.message}`);
      assert.match(error.message, /settings of their own/);
      assert.match(error.message, /apt install postgresql/);
      assert.match(error.message, /PG_BIN_DIR/);
      assert.doesNotMatch(error.message, /POSTGRES_URL|docker compose/);
      return true;
    });
    await assert.rejects(locatePgbouncer({ PATH: "/nonexistent" }, []), (error: Error) => {
      assert.ok(error instanceof NoPgbouncerError, `expected a NoPgbouncerError, got ${error.name}: ${error.message}`);
      assert.match(error.message, /apt install pgbouncer/);
      assert.doesNotMatch(error.message, /PGBOUNCER_URL|docker compose/);
      return true;
    });
    const dir = await findPostgresBinDir();
    if (dir) assert.deepEqual((await locatePostgres({ PG_BIN_DIR: dir })).env, { PG_BIN_DIR: dir });
    const bin = await findPgbouncer();
    if (bin) assert.deepEqual((await locatePgbouncer({ PGBOUNCER_BIN: bin })).env, { PGBOUNCER_BIN: bin });
  });
});
