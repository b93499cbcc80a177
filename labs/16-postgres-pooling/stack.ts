// `npm run lab -- start 16` runs this: a PostgreSQL and a PgBouncer of its own (the binaries, as the tests
// use them), the tables with 50 events, then the app through PgBouncer on PORT. Ctrl-C stops all of it.
import pg from "pg";
import { locatePgbouncer, locatePostgres, startPrivatePgbouncer, startPrivatePostgres } from "#kit/services/index.ts";
import { createSchema } from "./src/schema.ts";

const { env: pgEnv } = await locatePostgres();
const { env: bouncerEnv } = await locatePgbouncer();
const postgres = await startPrivatePostgres(pgEnv.PG_BIN_DIR!, { max_connections: "50" });
const app = Object.assign(new URL(postgres.url), { pathname: "/app" }).toString();
const admin = new pg.Client({ connectionString: postgres.url });
await admin.connect();
await admin.query("CREATE DATABASE app");
await admin.end();
const setup = new pg.Client({ connectionString: app });
await setup.connect();
await createSchema(setup);
await setup.end();
const bouncer = await startPrivatePgbouncer(bouncerEnv.PGBOUNCER_BIN!, app, { poolMode: "transaction", defaultPoolSize: 8 });
console.log(`PostgreSQL (max_connections 50): ${app}`);
console.log(`PgBouncer, transaction mode:     ${bouncer.url}   (psql ${bouncer.url.replace(/\/app$/, "/pgbouncer")} -c 'SHOW POOLS')`);

process.env.DATABASE_URL = bouncer.url;
process.env.DIRECT_DATABASE_URL = app;
const stopServers = async () => {
  await bouncer.stop();
  await postgres.stop();
  process.exit(0);
};
process.once("SIGINT", () => void stopServers());
process.once("SIGTERM", () => void stopServers());
await import("./src/server.ts");
