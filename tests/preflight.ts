// Before `npm test` runs anything: find the servers and the browser its parts will need, the way the kit and the
// tests find them, and when some are missing, say which and the one command that installs them all.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import { scanLabs } from "../kit/labs.ts";
import type { ServiceName } from "../kit/manifest/schema.ts";
import { findHaproxy, haproxyExtraDirs } from "../kit/services/haproxy.ts";
import { findPgbouncer, findPostgresBinDir } from "../kit/services/postgres.ts";
import { findExecutable } from "../kit/services/binaries.ts";
import { composeRedisUrl, redisAnswers } from "../kit/services/redis.ts";
import { findVarnishd } from "../kit/services/varnish.ts";

export type Program = "redis-server" | "haproxy" | "varnishd" | "prometheus" | "postgres" | "pgbouncer" | "chromium";

/** Where the site's browser tests look for Chromium when CHROMIUM_PATH is unset (tests/site/helpers/browser.ts). */
export const defaultChromium = "/usr/bin/chromium";

/** One thing a part of the run needs. `anyRedis`: a Redis at REDIS_URL or compose's will do instead of the binary. */
interface Need {
  program: Program;
  why: string;
  anyRedis?: boolean;
}

/**
 * What each part of `npm test` needs. Lab tests with a config of their own (lab 09's haproxy.cfg, lab 11's VCL)
 * start a private HAProxy or varnishd, so for them only a binary will do; so do the kit's tests of each service
 * (outside CI they skip without one, which leaves that service unchecked). MongoDB is never missing: the kit
 * falls back to its own stand-in.
 */
export function needsOf(part: string, labServices: readonly ServiceName[]): Need[] {
  const [script] = part.split(" ");
  switch (script) {
    case "test:kit":
      return [
        { program: "redis-server", why: "the kit's tests, which start private redis-servers" },
        { program: "haproxy", why: "kit/test/haproxy.test.ts" },
        { program: "varnishd", why: "kit/test/varnish.test.ts" },
        { program: "prometheus", why: "kit/test/prometheus.test.ts" },
        { program: "postgres", why: "kit/test/postgres.test.ts" },
        { program: "pgbouncer", why: "kit/test/postgres.test.ts" },
      ];
    case "test:project":
      return [{ program: "prometheus", why: "lab 07's dashboard test, which starts Prometheus with a config of its own" }];
    case "test:site":
      return [{ program: "chromium", why: "the site's browser tests" }];
    case "lab":
      if (!part.split(" ").includes("check")) return [];
      return [
        ...(labServices.includes("redis") ? [{ program: "redis-server" as const, why: "the labs that use Redis", anyRedis: true }] : []),
        ...(labServices.includes("haproxy") ? [{ program: "haproxy" as const, why: "lab 09's tests, which start HAProxy with the lab's config" }] : []),
        ...(labServices.includes("varnish") ? [{ program: "varnishd" as const, why: "lab 11's tests, which start varnishd with the lab's VCL" }] : []),
        ...(labServices.includes("redis-cluster") ? [{ program: "redis-server" as const, why: "the labs that use a Redis Cluster, which the kit starts" }] : []),
        ...(labServices.includes("postgres") ? [{ program: "postgres" as const, why: "the labs whose tests start PostgreSQL with settings of their own" }] : []),
        ...(labServices.includes("pgbouncer") ? [{ program: "pgbouncer" as const, why: "the labs whose tests start PgBouncer with settings of their own" }] : []),
      ];
    default:
      return [];
  }
}

export interface Missing {
  program: Program;
  /** Which parts need it and why. */
  neededBy: string[];
  /** What was looked for, in the kit's words. */
  looked: string;
  /** Every part that needs it would also take a Redis from REDIS_URL or compose (docker compose up -d redis). */
  composeServes: boolean;
}

export interface PreflightOptions {
  env?: NodeJS.ProcessEnv;
  /** Searched after PATH for haproxy, varnishd and pgbouncer, as the kit does (default /usr/sbin and /usr/local/sbin). */
  sbinDirs?: readonly string[];
  /** Searched after PATH for initdb and postgres (default Debian's /usr/lib/postgresql/<version>/bin). */
  postgresDirs?: readonly string[];
  /** Whether a Redis answers at a URL (default: PING, as the kit resolves it). */
  redisAnswers?: (url: string) => Promise<boolean>;
  /** The services the labs list (default: read from labs/*\/lab.json). */
  labServices?: readonly ServiceName[];
}

const executable = (file: string) => access(file, constants.X_OK).then(() => true, () => false);

/** What the given parts of `npm test` need and this machine lacks, found as the kit finds it; [] when nothing is missing. */
export async function preflight(parts: readonly string[], options: PreflightOptions = {}): Promise<Missing[]> {
  const env = options.env ?? process.env;
  const sbinDirs = options.sbinDirs ?? haproxyExtraDirs;
  const labServices = options.labServices ?? (await scanLabs()).labs.flatMap((lab) => lab.manifest.services);
  const wanted = new Map<Program, { neededBy: string[]; anyRedis: boolean }>();
  for (const part of parts) {
    for (const need of needsOf(part, labServices)) {
      const entry = wanted.get(need.program) ?? { neededBy: [], anyRedis: true };
      entry.neededBy.push(`${need.why} (${part})`);
      entry.anyRedis &&= need.anyRedis === true;
      wanted.set(need.program, entry);
    }
  }
  const missing: Missing[] = [];
  for (const [program, { neededBy, anyRedis }] of wanted) {
    const looked = await lookFor(program, anyRedis, env, sbinDirs, options.redisAnswers ?? ((url) => redisAnswers(url)), options.postgresDirs);
    if (looked !== undefined) missing.push({ program, neededBy, looked, composeServes: program === "redis-server" && anyRedis });
  }
  return missing;
}

/** undefined when found; otherwise what was tried. */
async function lookFor(
  program: Program,
  anyRedis: boolean,
  env: NodeJS.ProcessEnv,
  sbinDirs: readonly string[],
  answers: (url: string) => Promise<boolean>,
  postgresDirs: readonly string[] | undefined,
): Promise<string | undefined> {
  switch (program) {
    case "redis-server": {
      // kit/services/redis.ts: REDIS_URL, then compose's Redis if it answers, then redis-server from PATH.
      if (anyRedis && env.REDIS_URL) return undefined;
      const composeUrl = env.WORKBOOK_COMPOSE_REDIS_URL ?? composeRedisUrl;
      if (anyRedis && (await answers(composeUrl))) return undefined;
      if (await findExecutable("redis-server", env.PATH ?? "")) return undefined;
      return anyRedis ? `REDIS_URL is not set, no Redis answers on ${composeUrl}, and "redis-server" is not on PATH` : `"redis-server" is not on PATH`;
    }
    case "haproxy": {
      if (await findHaproxy(env, sbinDirs)) return undefined;
      return env.HAPROXY_BIN ? `HAPROXY_BIN=${env.HAPROXY_BIN} is not an executable file` : `"haproxy" is not on PATH${sbinDirs.length ? ` nor in ${sbinDirs.join(" or ")}` : ""}`;
    }
    case "varnishd": {
      if (await findVarnishd(env, sbinDirs)) return undefined;
      return env.VARNISHD_BIN ? `VARNISHD_BIN=${env.VARNISHD_BIN} is not an executable file` : `"varnishd" is not on PATH${sbinDirs.length ? ` nor in ${sbinDirs.join(" or ")}` : ""}`;
    }
    case "prometheus": {
      const wanted = env.PROMETHEUS_BIN || "prometheus";
      if (await findExecutable(wanted, env.PATH ?? "")) return undefined;
      return env.PROMETHEUS_BIN ? `PROMETHEUS_BIN=${env.PROMETHEUS_BIN} is not an executable file` : `"prometheus" is not on PATH`;
    }
    case "postgres": {
      if (await findPostgresBinDir(env, postgresDirs)) return undefined;
      return env.PG_BIN_DIR ? `PG_BIN_DIR=${env.PG_BIN_DIR} holds no initdb and postgres` : `initdb and postgres are neither on PATH nor in /usr/lib/postgresql/<version>/bin`;
    }
    case "pgbouncer": {
      if (await findPgbouncer(env, sbinDirs)) return undefined;
      return env.PGBOUNCER_BIN ? `PGBOUNCER_BIN=${env.PGBOUNCER_BIN} is not an executable file` : `"pgbouncer" is not on PATH${sbinDirs.length ? ` nor in ${sbinDirs.join(" or ")}` : ""}`;
    }
    case "chromium": {
      const file = env.CHROMIUM_PATH || defaultChromium;
      if (await executable(file)) return undefined;
      return env.CHROMIUM_PATH ? `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file` : `${defaultChromium} is not there and CHROMIUM_PATH is not set`;
    }
  }
}

/** Debian's package and Homebrew's formula or cask for each program. */
const packages: Record<Program, { debian: string; brew: string; cask?: boolean }> = {
  "redis-server": { debian: "redis-server", brew: "redis" },
  haproxy: { debian: "haproxy", brew: "haproxy" },
  varnishd: { debian: "varnish", brew: "varnish" },
  prometheus: { debian: "prometheus", brew: "prometheus" },
  postgres: { debian: "postgresql", brew: "postgresql@15" },
  pgbouncer: { debian: "pgbouncer", brew: "pgbouncer" },
  chromium: { debian: "chromium", brew: "chromium", cask: true },
};

/** The message: what is missing and for what, then one command per system that installs all of it. */
export function describeMissing(missing: readonly Missing[], isRoot = process.getuid?.() === 0): string[] {
  const width = Math.max(...missing.map((m) => m.program.length));
  const lines = ["npm test needs what this machine lacks, so nothing has run:"];
  for (const m of missing) {
    lines.push(`  ${m.program.padEnd(width)}  ${m.looked}`);
    lines.push(`  ${" ".repeat(width)}  needed by ${m.neededBy.join("; ")}`);
  }
  const debian = missing.map((m) => packages[m.program].debian);
  const formulas = missing.filter((m) => !packages[m.program].cask).map((m) => packages[m.program].brew);
  const casks = missing.filter((m) => packages[m.program].cask).map((m) => packages[m.program].brew);
  const brew = [...(formulas.length ? [`brew install ${formulas.join(" ")}`] : []), ...(casks.length ? [`brew install --cask ${casks.join(" ")}`] : [])].join(" && ");
  lines.push("", "Install all of it:", `  Debian:            ${isRoot ? "" : "sudo "}apt-get install ${debian.join(" ")}`, `  macOS (Homebrew):  ${brew}`);
  if (casks.length) lines.push(`                     then export CHROMIUM_PATH=/Applications/Chromium.app/Contents/MacOS/Chromium (the tests look in ${defaultChromium})`);
  const composed = missing.filter((m) => m.composeServes);
  if (composed.length) lines.push(`  or, for Redis, with Docker:  docker compose up -d redis`);
  lines.push("", "On a Debian machine, `bash .ci/run` installs whatever is missing, then runs npm ci and npm test.");
  return lines;
}
