import { writeFile } from "node:fs/promises";
import path from "node:path";
import { canConnect, getFreePort } from "./ports.ts";
import { findBinary } from "./binaries.ts";
import { PrivateServerError, runToCompletion, startPrivateServer } from "./private-server.ts";
import { NoServiceError, type ResolvedService } from "./types.ts";

/** Where docker-compose.yml publishes HAProxy (profile "edge"): the frontend and the stats page. */
export const composeHaproxyUrl = "http://127.0.0.1:8080";
export const composeHaproxyStatsUrl = "http://127.0.0.1:8404/stats";

/** Debian installs haproxy in /usr/sbin, which the PATH of a non-root user often lacks; Homebrew and source builds may use /usr/local/sbin. */
export const haproxyExtraDirs = ["/usr/sbin", "/usr/local/sbin"];

export interface HaproxyResolveOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * The haproxy.cfg to start a private HAProxy with. It may read "${NAME}" variables (HAProxy expands
   * them inside double quotes): the kit sets LB_BIND and STATS_BIND to free loopback ports, and `vars`
   * adds more (the backend servers' addresses, say). A HAProxy from HAPROXY_URL or compose cannot take
   * this run's config, so with a config only HAPROXY_BIN or a binary on PATH will do.
   */
  config?: string;
  /** More "${NAME}" variables for the config. */
  vars?: Record<string, string>;
  /** The stats page to probe for compose's HAProxy (tests point it elsewhere). */
  composeStatsUrl?: string;
  /** The frontend URL that goes with composeStatsUrl. */
  composeUrl?: string;
  /** Directories searched after PATH (default haproxyExtraDirs; tests pass [] to simulate a machine without HAProxy). */
  extraDirs?: readonly string[];
}

export interface ResolvedHaproxy extends ResolvedService {
  /** The stats page (append ";csv" for the CSV export), when known. */
  statsUrl?: string;
  /** True when this process started it. */
  started: boolean;
}

export class NoHaproxyError extends NoServiceError {
  override name = "NoHaproxyError";
  constructor(detail: string) {
    super("HAProxy", detail, [
      "install the Debian package (apt install haproxy; it lands in /usr/sbin) or set HAPROXY_BIN to a haproxy binary; the kit starts a private one with the lab's haproxy.cfg",
      "install it with Homebrew (brew install haproxy); the kit starts a private one the same way",
      "start compose's edge profile (docker compose --profile edge up -d haproxy); `lab start` then uses it on http://127.0.0.1:8080, or set HAPROXY_URL to another running HAProxy (the tests still need a binary: they start HAProxy with configs of their own)",
    ]);
  }
}

/** HAProxy refused the config: its own words, for the person who wrote the config. */
export class HaproxyConfigError extends Error {
  override name = "HaproxyConfigError";
}

/** HAPROXY_BIN, else the first `haproxy` on PATH or in /usr/sbin and /usr/local/sbin; undefined when there is none. */
export async function findHaproxy(env: NodeJS.ProcessEnv = process.env, extraDirs: readonly string[] = haproxyExtraDirs): Promise<string | undefined> {
  return findBinary("haproxy", env.HAPROXY_BIN, env, extraDirs);
}

/** True when `statsUrl;csv` answers with HAProxy's CSV header within timeoutMs. */
export async function haproxyStatsAnswer(statsUrl: string, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(`${statsUrl};csv`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return response.ok && text.startsWith("# pxname");
  } catch {
    return false;
  }
}

/** Enough to prove HAProxy runs: a frontend that answers 200 itself, and a stats page. */
export const minimalHaproxyConfig = [
  "global",
  "  log stderr format short local0 warning",
  "defaults",
  "  mode http",
  "  timeout connect 2s",
  "  timeout client 10s",
  "  timeout server 10s",
  "frontend web",
  '  bind "${LB_BIND}"',
  '  http-request return status 200 content-type text/plain string "haproxy answers\\n"',
  "frontend stats",
  '  bind "${STATS_BIND}"',
  "  stats enable",
  "  stats uri /stats",
  "",
].join("\n");

/**
 * Resolve HAProxy in the kit's order: HAPROXY_URL, then compose's HAProxy if its stats page answers
 * (both only when no config is given), then HAPROXY_BIN or `haproxy` on PATH (or in /usr/sbin,
 * /usr/local/sbin) started privately, or a NoHaproxyError naming the three ways.
 */
export async function resolveHaproxy(options: HaproxyResolveOptions = {}): Promise<ResolvedHaproxy> {
  const env = options.env ?? process.env;
  const needsOwnConfig = options.config !== undefined;
  if (!needsOwnConfig) {
    if (env.HAPROXY_URL) {
      const url = env.HAPROXY_URL.replace(/\/+$/, "");
      return { url, statsUrl: env.HAPROXY_STATS_URL, backend: `HAProxy from HAPROXY_URL (${url})`, started: false, stop: async () => {} };
    }
    const statsUrl = options.composeStatsUrl ?? composeHaproxyStatsUrl;
    if (await haproxyStatsAnswer(statsUrl)) {
      const url = options.composeUrl ?? composeHaproxyUrl;
      return { url, statsUrl, backend: `HAProxy from docker compose (${url}, stats on ${statsUrl})`, started: false, stop: async () => {} };
    }
  }
  const extraDirs = options.extraDirs ?? haproxyExtraDirs;
  const binary = await findHaproxy(env, extraDirs);
  if (!binary) {
    const tried = needsOwnConfig
      ? `this run needs its own haproxy.cfg, which a HAProxy from HAPROXY_URL or compose cannot take, `
      : `HAPROXY_URL is not set, compose's HAProxy does not answer on ${options.composeStatsUrl ?? composeHaproxyStatsUrl}, `;
    const where = env.HAPROXY_BIN
      ? `and HAPROXY_BIN=${env.HAPROXY_BIN} is not an executable file`
      : `and "haproxy" is neither on PATH${extraDirs.length > 0 ? ` nor in ${extraDirs.join(" or ")}` : ""}`;
    throw new NoHaproxyError(tried + where);
  }
  return startPrivateHaproxy(binary, options.config ?? minimalHaproxyConfig, options.vars ?? {});
}

/**
 * Check `config` with `haproxy -c`, then start `binary` in the foreground with it, the frontend
 * (LB_BIND) and the stats page (STATS_BIND) on free loopback ports, in a fresh temporary directory.
 * `stop()` ends it and removes the directory; it dies with this process if nobody stopped it.
 */
export async function startPrivateHaproxy(binary: string, config: string, vars: Record<string, string> = {}): Promise<ResolvedHaproxy> {
  // A caller may choose the frontend's address (`lab start` wants port 3000); otherwise free ports.
  const port = vars.LB_BIND ? Number(/:(\d+)$/.exec(vars.LB_BIND)?.[1]) : await getFreePort();
  const statsPort = vars.STATS_BIND ? Number(/:(\d+)$/.exec(vars.STATS_BIND)?.[1]) : await getFreePort();
  if (!Number.isInteger(port) || !Number.isInteger(statsPort)) {
    throw new HaproxyConfigError(`LB_BIND and STATS_BIND must end with :<port> (got ${vars.LB_BIND}, ${vars.STATS_BIND})`);
  }
  const env = { ...process.env, LB_BIND: `127.0.0.1:${port}`, STATS_BIND: `127.0.0.1:${statsPort}`, ...vars };
  const url = `http://127.0.0.1:${port}`;
  const statsUrl = `http://127.0.0.1:${statsPort}/stats`;
  let server;
  try {
    server = await startPrivateServer({
      name: `HAProxy (${binary})`,
      binary,
      dirPrefix: "haproxy",
      env,
      async prepare(dir) {
        const configFile = path.join(dir, "haproxy.cfg");
        await writeFile(configFile, config);
        const checked = await runToCompletion(binary, ["-c", "-q", "-f", configFile], { env, cwd: dir });
        if (checked.code === -1) throw new NoHaproxyError(`"${binary}" could not be started (${checked.output.trim()})`);
        if (checked.code !== 0) throw new HaproxyConfigError(`HAProxy (${binary}) rejected the config:\n${checked.output.trim()}\nThe config it was given:\n${config}`);
      },
      args: (dir) => ["-db", "-f", path.join(dir, "haproxy.cfg")],
      // Ready once the frontend listens; the stats page may be absent from a learner's config.
      ready: () => canConnect("127.0.0.1", port, 200),
      // HAProxy binds within milliseconds of starting, once `-c` has passed; 30 s allows for a loaded machine.
      readyTimeoutMs: 30_000,
    });
  } catch (error) {
    if (error instanceof PrivateServerError && error.reason === "spawn") throw new NoHaproxyError(error.message);
    if (error instanceof PrivateServerError) {
      throw new HaproxyConfigError(`HAProxy (${binary}) did not listen on ${url} (LB_BIND): ${error.reason === "exited" ? "it exited" : "no answer in time"}; its log ends with:\n${error.logTail}`);
    }
    throw error;
  }
  return {
    url,
    statsUrl,
    backend: `a private HAProxy (${binary}) on 127.0.0.1:${port}, stats on ${statsUrl} (stopped when the run ends)`,
    started: true,
    stop: server.stop,
    unref: server.unref,
  };
}

/** One row of HAProxy's stats CSV, by column name (pxname, svname, status, stot, scur, throttle, ...). */
export type HaproxyStatsRow = Record<string, string>;

/** Read `statsUrl;csv` and parse it. */
export async function readHaproxyStats(statsUrl: string): Promise<HaproxyStatsRow[]> {
  const response = await fetch(`${statsUrl};csv`, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  if (!response.ok || !text.startsWith("# ")) throw new Error(`HAProxy's stats page ${statsUrl};csv answered ${response.status}: ${text.slice(0, 200)}`);
  const [header, ...lines] = text.slice(2).trim().split("\n");
  const columns = header!.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? ""]));
  });
}

/**
 * What a lab that lists "haproxy" gets before its tests or `lab start` run. Tests start their own
 * HAProxy with the lab's haproxy.cfg, so they need a binary: HAPROXY_BIN is set to the one found.
 * Without one, HAPROXY_URL or compose's HAProxy still serves `lab start` (HAPROXY_URL is set);
 * otherwise a NoHaproxyError, so only the labs that list HAProxy ever see it.
 */
export async function haproxyForLab(
  base: NodeJS.ProcessEnv = process.env,
  options: Pick<HaproxyResolveOptions, "composeStatsUrl" | "composeUrl" | "extraDirs"> = {},
): Promise<{ env: Record<string, string>; backend: string }> {
  const binary = await findHaproxy(base, options.extraDirs);
  if (binary) {
    return { env: { HAPROXY_BIN: binary }, backend: `HAProxy binary ${binary} (each test and \`lab start\` run a private one with the lab's haproxy.cfg)` };
  }
  if (base.HAPROXY_BIN) throw new NoHaproxyError(`HAPROXY_BIN=${base.HAPROXY_BIN} is not an executable file`);
  const running = await resolveHaproxy({ env: base, ...options });
  const env: Record<string, string> = { HAPROXY_URL: running.url };
  if (running.statsUrl) env.HAPROXY_STATS_URL = running.statsUrl;
  return { env, backend: `${running.backend}; no haproxy binary, so \`lab start\` can use it but the tests cannot` };
}
