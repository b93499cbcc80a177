// PostgreSQL and PgBouncer, resolved like every other service: an explicit URL, then compose's service
// (profile "postgres") if it answers, then the binaries started by the kit on free loopback ports in a
// temporary directory (initdb for PostgreSQL), or a clear error naming the packages.
import { readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { canConnect, getFreePort } from "./ports.ts";
import { findBinary, findExecutable } from "./binaries.ts";
import { PrivateServerError, runToCompletion, startPrivateServer, unprivilegedUser } from "./private-server.ts";
import { NoServiceError, type ResolvedService } from "./types.ts";

/** Where docker-compose.yml publishes PostgreSQL and PgBouncer (profile "postgres"); off 5432, which a local server may hold. */
export const composePostgresUrl = "postgres://workbook:workbook@127.0.0.1:5433/workbook";
export const composePgbouncerUrl = "postgres://workbook:workbook@127.0.0.1:6432/workbook";

/** The role and database every private server is created with, as compose's are. */
const role = "workbook";
const database = "workbook";

export interface ResolvedPostgres extends ResolvedService {
  /** True when this process started it. */
  started: boolean;
}

export class NoPostgresError extends NoServiceError {
  override name = "NoPostgresError";
  /** binariesOnly: the caller needs the binaries (it starts servers with settings of its own), so no URL will do. */
  constructor(detail: string, binariesOnly = false) {
    super("PostgreSQL", detail, binariesOnly ? [
      "Debian or Ubuntu: apt install postgresql (the kit finds its binaries in /usr/lib/postgresql/<version>/bin)",
      "macOS: brew install postgresql@15",
      "elsewhere: set PG_BIN_DIR to the directory that holds initdb and postgres",
    ] : [
      "set POSTGRES_URL to a running server, e.g. postgres://user:password@127.0.0.1:5432/db",
      "start compose's postgres profile: docker compose --profile postgres up -d postgres   (listens on 127.0.0.1:5433)",
      "install it (Debian: apt install postgresql, whose binaries the kit finds in /usr/lib/postgresql/<version>/bin; macOS: brew install postgresql@15), or set PG_BIN_DIR; the kit runs initdb and starts a private server",
    ]);
  }
}

export class NoPgbouncerError extends NoServiceError {
  override name = "NoPgbouncerError";
  /** binariesOnly: the caller needs the binary (it starts PgBouncer with settings of its own), so no URL will do. */
  constructor(detail: string, binariesOnly = false) {
    super("PgBouncer", detail, binariesOnly ? [
      "Debian or Ubuntu: apt install pgbouncer",
      "macOS: brew install pgbouncer",
      "elsewhere: set PGBOUNCER_BIN to the pgbouncer executable",
    ] : [
      "set PGBOUNCER_URL to a running PgBouncer in front of the lab's PostgreSQL",
      "start compose's postgres profile: docker compose --profile postgres up -d pgbouncer   (listens on 127.0.0.1:6432)",
      "install it (Debian: apt install pgbouncer; macOS: brew install pgbouncer), or set PGBOUNCER_BIN; the kit starts a private one",
    ]);
  }
}

/** True when `url` accepts a login and answers SELECT 1 within timeoutMs. */
export async function postgresAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Debian keeps PostgreSQL's server binaries out of PATH, in /usr/lib/postgresql/<major>/bin; newest first. */
function debianBinDirs(root = "/usr/lib/postgresql"): string[] {
  try {
    return readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
      .map((major) => path.join(root, major, "bin"));
  } catch {
    return [];
  }
}

/** The directory holding initdb and postgres: PG_BIN_DIR, else PATH, else Debian's versioned directories. */
export async function findPostgresBinDir(env: NodeJS.ProcessEnv = process.env, extraDirs: readonly string[] = debianBinDirs()): Promise<string | undefined> {
  const dirs = env.PG_BIN_DIR ? [env.PG_BIN_DIR] : [...(env.PATH ?? "").split(path.delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    if ((await findExecutable(path.join(dir, "initdb"))) && (await findExecutable(path.join(dir, "postgres")))) return dir;
  }
  return undefined;
}

export interface PostgresResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** The compose URL to probe; tests point it at a closed port. */
  composeUrl?: string;
  /** Directories searched after PATH (default Debian's /usr/lib/postgresql/<version>/bin; tests pass []). */
  extraDirs?: readonly string[];
  /** Server settings for a private server (`-c name=value`), e.g. { max_connections: "20" }. */
  settings?: Record<string, string>;
}

/** Resolve PostgreSQL: POSTGRES_URL, compose's server if it answers, a private server from the binaries, or a NoPostgresError. */
export async function resolvePostgres(options: PostgresResolveOptions = {}): Promise<ResolvedPostgres> {
  const env = options.env ?? process.env;
  if (env.POSTGRES_URL) return { url: env.POSTGRES_URL, backend: `PostgreSQL from POSTGRES_URL (${redact(env.POSTGRES_URL)})`, started: false, stop: async () => {} };
  const composeUrl = options.composeUrl ?? env.WORKBOOK_COMPOSE_POSTGRES_URL ?? composePostgresUrl;
  if (await postgresAnswers(composeUrl)) return { url: composeUrl, backend: `PostgreSQL at ${redact(composeUrl)} (the compose service)`, started: false, stop: async () => {} };
  const binDir = await findPostgresBinDir(env, options.extraDirs);
  if (!binDir) {
    const where = env.PG_BIN_DIR ? `PG_BIN_DIR=${env.PG_BIN_DIR} holds no initdb and postgres` : `initdb and postgres are neither on PATH nor in /usr/lib/postgresql/<version>/bin`;
    throw new NoPostgresError(`POSTGRES_URL is not set, nothing answers on ${redact(composeUrl)}, and ${where}`);
  }
  return startPrivatePostgres(binDir, options.settings);
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");

/**
 * initdb a fresh cluster in a temporary directory (role "workbook", trust authentication, durability off:
 * this is a throwaway server), start postgres on a free loopback port, and create database "workbook".
 * As root, both run as the "postgres" user (or "nobody"), since PostgreSQL refuses to run as root.
 */
export async function startPrivatePostgres(binDir: string, settings: Record<string, string> = {}): Promise<ResolvedPostgres> {
  const port = await getFreePort();
  const user = unprivilegedUser("postgres");
  const adminUrl = `postgres://${role}@127.0.0.1:${port}/postgres`;
  let server;
  try {
    server = await startPrivateServer({
      name: `a private postgres (${binDir}) on port ${port}`,
      binary: path.join(binDir, "postgres"),
      dirPrefix: "postgres",
      ...(user ? { runAs: user } : {}),
      async prepare(dir) {
        const initdbArgs = ["-D", path.join(dir, "data"), "-U", role, "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C"];
        const init = await runToCompletion(path.join(binDir, "initdb"), initdbArgs, { cwd: dir, ...(user ? { runAs: user } : {}) });
        if (init.code !== 0) throw new NoPostgresError(`initdb (${binDir}) failed:\n${init.output.trim().split("\n").slice(-8).join("\n")}`);
      },
      args: (dir) => [
        ...["-D", path.join(dir, "data"), "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`],
        // A throwaway server: no waiting on the disk for durability.
        ...["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
      ],
      ready: () => postgresAnswers(adminUrl, 1000),
      // postgres answers about a second after it starts here; 30 s allows for a loaded machine.
      readyTimeoutMs: 30_000,
      pollMs: 100,
      // SIGINT is PostgreSQL's fast shutdown; SIGTERM (smart) would wait for every client to leave.
      stopSignal: "SIGINT",
      stopGraceMs: 5_000,
    });
  } catch (error) {
    if (error instanceof PrivateServerError) throw new NoPostgresError(error.message);
    throw error;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
  } catch (error) {
    await server.stop();
    throw new NoPostgresError(`a private postgres on port ${port} started but could not create database ${database}: ${(error as Error).message}`);
  } finally {
    await admin.end().catch(() => {});
  }
  return {
    url: `postgres://${role}@127.0.0.1:${port}/${database}`,
    backend: `a private PostgreSQL (${binDir}) on 127.0.0.1:${port}${user ? ` as user ${user.name}` : ""} (data in a temporary directory; stopped when the run ends)`,
    started: true,
    stop: server.stop,
    unref: server.unref,
  };
}

export interface PgbouncerOptions {
  /** "session", "transaction" (default) or "statement". */
  poolMode?: "session" | "transaction" | "statement";
  /** Server connections per user and database (PgBouncer's default_pool_size; its own default is 20). */
  defaultPoolSize?: number;
  /** Client connections PgBouncer accepts in all (max_client_conn; its own default is 100). */
  maxClientConn?: number;
  /** More [pgbouncer] settings, written as given. */
  settings?: Record<string, string>;
}

/**
 * Start PgBouncer on a free loopback port in front of `postgresUrl` (its host and port; any database name),
 * trusting the role "workbook" and, as an admin, letting it run SHOW on the console (database "pgbouncer").
 * As root it runs as the "postgres" user (or "nobody"): PgBouncer refuses to run as root.
 */
export async function startPrivatePgbouncer(binary: string, postgresUrl: string, options: PgbouncerOptions = {}): Promise<ResolvedService> {
  const target = new URL(postgresUrl);
  const port = await getFreePort();
  const user = unprivilegedUser("postgres");
  const settings: Record<string, string> = {
    listen_addr: "127.0.0.1",
    listen_port: String(port),
    unix_socket_dir: "",
    auth_type: "trust",
    admin_users: role,
    pool_mode: options.poolMode ?? "transaction",
    ...(options.defaultPoolSize !== undefined ? { default_pool_size: String(options.defaultPoolSize) } : {}),
    ...(options.maxClientConn !== undefined ? { max_client_conn: String(options.maxClientConn) } : {}),
    ...options.settings,
  };
  let server;
  try {
    server = await startPrivateServer({
      name: `a private pgbouncer (${binary}) on port ${port}`,
      binary,
      dirPrefix: "pgbouncer",
      ...(user ? { runAs: user } : {}),
      async prepare(dir) {
        // auth_type trust still needs each user name in the auth file.
        await writeFile(path.join(dir, "userlist.txt"), `"${role}" ""\n`, { mode: 0o644 });
        const ini = [
          "[databases]",
          // Any database name the client asks for, on the target server.
          `* = host=${target.hostname} port=${target.port || 5432}`,
          "",
          "[pgbouncer]",
          `auth_file = ${path.join(dir, "userlist.txt")}`,
          ...Object.entries(settings).map(([name, value]) => `${name} = ${value}`),
          "",
        ].join("\n");
        await writeFile(path.join(dir, "pgbouncer.ini"), ini, { mode: 0o644 });
      },
      args: (dir) => [path.join(dir, "pgbouncer.ini")],
      ready: () => canConnect("127.0.0.1", port, 200),
      // PgBouncer listens within milliseconds of starting; 10 s allows for a loaded machine.
      readyTimeoutMs: 10_000,
    });
  } catch (error) {
    if (error instanceof PrivateServerError && error.reason === "spawn") throw new NoPgbouncerError(`"${binary}" could not be started (${error.message})`);
    if (error instanceof PrivateServerError) throw new NoPgbouncerError(error.message);
    throw error;
  }
  return {
    url: `postgres://${role}@127.0.0.1:${port}/${target.pathname.slice(1) || database}`,
    backend: `a private PgBouncer (${binary}) on 127.0.0.1:${port}, ${settings.pool_mode} pooling, in front of ${target.hostname}:${target.port || 5432} (stopped when the run ends)`,
    stop: server.stop,
    unref: server.unref,
  };
}

/** PGBOUNCER_BIN, else `pgbouncer` on PATH or in /usr/sbin (Debian's place for it). */
export async function findPgbouncer(env: NodeJS.ProcessEnv = process.env, extraDirs: readonly string[] = ["/usr/sbin", "/usr/local/sbin"]): Promise<string | undefined> {
  return findBinary("pgbouncer", env.PGBOUNCER_BIN, env, extraDirs);
}

/**
 * Resolve PgBouncer in front of `postgresUrl`: PGBOUNCER_URL, compose's PgBouncer if it answers (both only
 * with the default options, since a running PgBouncer's settings are its own), then a private one, or a
 * NoPgbouncerError.
 */
export async function resolvePgbouncer(
  postgresUrl: string,
  options: PgbouncerOptions & { env?: NodeJS.ProcessEnv; composeUrl?: string; extraDirs?: readonly string[] } = {},
): Promise<ResolvedService> {
  const env = options.env ?? process.env;
  const ownSettings = options.poolMode !== undefined || options.defaultPoolSize !== undefined || options.maxClientConn !== undefined || options.settings !== undefined;
  if (!ownSettings) {
    if (env.PGBOUNCER_URL) return { url: env.PGBOUNCER_URL, backend: `PgBouncer from PGBOUNCER_URL (${redact(env.PGBOUNCER_URL)})`, stop: async () => {} };
    const composeUrl = options.composeUrl ?? env.WORKBOOK_COMPOSE_PGBOUNCER_URL ?? composePgbouncerUrl;
    if (await postgresAnswers(composeUrl)) return { url: composeUrl, backend: `PgBouncer at ${redact(composeUrl)} (the compose service)`, stop: async () => {} };
  }
  const binary = await findPgbouncer(env, options.extraDirs);
  if (!binary) {
    const where = env.PGBOUNCER_BIN ? `PGBOUNCER_BIN=${env.PGBOUNCER_BIN} is not an executable file` : `"pgbouncer" is neither on PATH nor in /usr/sbin or /usr/local/sbin`;
    throw new NoPgbouncerError(`${ownSettings ? "this run needs PgBouncer settings of its own, which a running PgBouncer cannot take, " : "PGBOUNCER_URL is not set, compose's PgBouncer does not answer, "}and ${where}`);
  }
  return startPrivatePgbouncer(binary, postgresUrl, options);
}

/**
 * For a lab whose tests start their own PostgreSQL with the lab's settings (max_connections, say): the binaries'
 * directory as PG_BIN_DIR, or a NoPostgresError. A running server cannot take another's settings, so no URL will do.
 */
export async function locatePostgres(env: NodeJS.ProcessEnv = process.env, extraDirs?: readonly string[]): Promise<{ env: Record<string, string>; backend: string }> {
  const binDir = await findPostgresBinDir(env, extraDirs);
  if (!binDir) {
    const where = env.PG_BIN_DIR ? `PG_BIN_DIR=${env.PG_BIN_DIR} holds no initdb and postgres` : `initdb and postgres are neither on PATH nor in /usr/lib/postgresql/<version>/bin`;
    throw new NoPostgresError(`this lab's tests start PostgreSQL with settings of their own, which a running server cannot take, and ${where}`, true);
  }
  return { env: { PG_BIN_DIR: binDir }, backend: `PostgreSQL binaries in ${binDir} (the lab starts its own servers from them, with its settings)` };
}

/** Like locatePostgres, for PgBouncer: PGBOUNCER_BIN, or a NoPgbouncerError. */
export async function locatePgbouncer(env: NodeJS.ProcessEnv = process.env, extraDirs?: readonly string[]): Promise<{ env: Record<string, string>; backend: string }> {
  const binary = await findPgbouncer(env, extraDirs);
  if (!binary) {
    const where = env.PGBOUNCER_BIN ? `PGBOUNCER_BIN=${env.PGBOUNCER_BIN} is not an executable file` : `"pgbouncer" is neither on PATH nor in /usr/sbin or /usr/local/sbin`;
    throw new NoPgbouncerError(`this lab's tests start PgBouncer with settings of their own, which a running PgBouncer cannot take, and ${where}`, true);
  }
  return { env: { PGBOUNCER_BIN: binary }, backend: `PgBouncer at ${binary} (the lab starts its own, with its settings)` };
}
