import path from "node:path";
import pg from "pg";
import { percentile, startInstances, type BenchContext, type BenchFigure, type BenchScenario, type Instance } from "#kit/testing/index.ts";
import { startPrivatePgbouncer, startPrivatePostgres } from "#kit/services/index.ts";
import { createSchema } from "./src/schema.ts";

// Eight instances, each told PG_POOL_MAX=4, against a PostgreSQL with max_connections=50; 400
// bookings at once, spread over 8 events so that they queue on row locks as a real burst does.
const instances = 8;
const burst = 400;
const maxConnections = 50;

interface Run {
  errors: number;
  peak: number;
  p99: number;
}

async function measure(ctx: BenchContext, databaseUrl: string, directUrl: string, admin: pg.Client): Promise<Run> {
  let apps: Instance[] = [];
  try {
    apps = await startInstances(instances, {
      entry: path.join(ctx.appDir, "src/server.ts"),
      env: { ...ctx.env, DATABASE_URL: databaseUrl, DIRECT_DATABASE_URL: directUrl, PG_POOL_MAX: "4", PG_POOL_WAIT_MS: "10000" },
    });
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await admin.query<{ n: number }>("SELECT count(*)::integer AS n FROM pg_stat_activity WHERE datname = 'app' AND backend_type = 'client backend'");
        peak = Math.max(peak, rows[0]?.n ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const results = await Promise.all(
      Array.from({ length: burst }, async (_, i) => {
        const t0 = performance.now();
        try {
          const res = await fetch(`${apps[i % instances]!.url}/events/${(i % 8) + 1}/bookings`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ name: `guest ${i}` }),
            signal: AbortSignal.timeout(30_000),
          });
          await res.arrayBuffer();
          return { ok: res.status === 201, ms: performance.now() - t0 };
        } catch {
          return { ok: false, ms: performance.now() - t0 };
        }
      }),
    );
    sampling = false;
    await sampler;
    return { errors: results.filter((r) => !r.ok).length, peak, p99: percentile(results.map((r) => r.ms), 99) };
  } finally {
    await Promise.all(apps.map((app) => app.kill()));
  }
}

const scenario: BenchScenario = async (ctx) => {
  const binDir = ctx.env.PG_BIN_DIR;
  const bouncerBin = ctx.env.PGBOUNCER_BIN;
  if (!binDir || !bouncerBin) throw new Error("the bench needs PG_BIN_DIR and PGBOUNCER_BIN (npm run lab -- bench 16 sets them)");
  const postgres = await startPrivatePostgres(binDir, { max_connections: String(maxConnections) });
  const base = new URL(postgres.url);
  const at = (db: string) => Object.assign(new URL(base), { pathname: `/${db}` }).toString();
  const admin = new pg.Client({ connectionString: at("postgres") });
  let bouncer: Awaited<ReturnType<typeof startPrivatePgbouncer>> | undefined;
  try {
    await admin.connect();
    await admin.query("CREATE DATABASE app");
    const setup = new pg.Client({ connectionString: at("app") });
    await setup.connect();
    await createSchema(setup);
    await setup.end();
    bouncer = await startPrivatePgbouncer(bouncerBin, at("app"), { poolMode: "transaction", defaultPoolSize: 8, maxClientConn: 500 });
    const direct = await measure(ctx, at("app"), at("app"), admin);
    ctx.log(`straight to PostgreSQL: ${direct.errors} of ${burst} failed, up to ${direct.peak} server connections, p99 ${Math.round(direct.p99)} ms`);
    const reset = new pg.Client({ connectionString: at("app") });
    await reset.connect();
    await reset.query("TRUNCATE bookings, reminders_sent");
    await reset.end();
    const pooled = await measure(ctx, bouncer.url, at("app"), admin);
    ctx.log(`through PgBouncer:      ${pooled.errors} of ${burst} failed, up to ${pooled.peak} server connections, p99 ${Math.round(pooled.p99)} ms`);
    return [
      { name: `failed bookings of ${burst} at once, 8 instances straight to PostgreSQL (max_connections ${maxConnections})`, value: direct.errors, unit: "requests", better: "lower", headline: true },
      { name: "peak server connections, straight to PostgreSQL (listeners included)", value: direct.peak, unit: "connections", better: "lower" },
      { name: "p99 latency of a booking, straight to PostgreSQL", value: direct.p99, unit: "ms", better: "lower" },
      { name: `failed bookings of ${burst} at once, through PgBouncer (transaction mode, 8 server connections)`, value: pooled.errors, unit: "requests", better: "lower" },
      { name: "peak server connections, through PgBouncer (listeners included)", value: pooled.peak, unit: "connections", better: "lower" },
      { name: "p99 latency of a booking, through PgBouncer", value: pooled.p99, unit: "ms", better: "lower" },
    ];
  } finally {
    await admin.end().catch(() => {});
    await bouncer?.stop();
    await postgres.stop();
  }
};

export default scenario;
