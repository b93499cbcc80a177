import { spawnTied } from "../lifecycle.ts";
import { constants } from "node:fs";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { getFreePort } from "./ports.ts";
import { stopChild } from "./redis.ts";
import { NoServiceError, type ResolvedService } from "./types.ts";

/** Where docker-compose.yml publishes Prometheus (profile "observability"). */
export const composePrometheusUrl = "http://127.0.0.1:9090";

export interface PrometheusResolveOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * The prometheus.yml to start a private Prometheus with. A caller that passes one needs its own
   * scrape targets (a test's random ports), which a Prometheus from PROMETHEUS_URL cannot know,
   * so PROMETHEUS_URL is then not used.
   */
  config?: string;
  /** The binary to look for on PATH (default "prometheus"); PROMETHEUS_BIN overrides it. */
  binary?: string;
}

export interface ResolvedPrometheus extends ResolvedService {
  /** True when this process started it (with the given config), false for PROMETHEUS_URL. */
  started: boolean;
}

export class NoPrometheusError extends NoServiceError {
  override name = "NoPrometheusError";
  constructor(detail: string) {
    super("Prometheus", detail, [
      "install the Debian package (apt install prometheus) or set PROMETHEUS_BIN to a prometheus binary; the kit starts a private one",
      "install it with Homebrew (brew install prometheus); the kit starts a private one",
      "start compose's observability profile (docker compose --profile observability up -d prometheus) and set PROMETHEUS_URL=http://127.0.0.1:9090 (it scrapes the lab app on port 3000 only)",
    ]);
  }
}

/** The first executable called `name` in the PATH list, or undefined. A name with a slash is checked as it is. */
export async function findExecutable(name: string, pathList = process.env.PATH ?? ""): Promise<string | undefined> {
  const candidates = name.includes("/") ? [name] : pathList.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** True when GET /-/ready answers 200 within timeoutMs. */
export async function prometheusReady(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** A config that scrapes nothing but Prometheus itself: enough to answer queries. */
export const minimalPrometheusConfig = ["global:", "  scrape_interval: 5s", "scrape_configs: []", ""].join("\n");

/**
 * Resolve Prometheus: PROMETHEUS_URL (unless a config is needed), then PROMETHEUS_BIN or
 * `prometheus` on PATH started privately with the config, or a clear error naming the three ways.
 */
export async function resolvePrometheus(options: PrometheusResolveOptions = {}): Promise<ResolvedPrometheus> {
  const env = options.env ?? process.env;
  if (env.PROMETHEUS_URL && options.config === undefined) {
    const url = env.PROMETHEUS_URL.replace(/\/+$/, "");
    return { url, backend: `Prometheus from PROMETHEUS_URL (${url})`, started: false, stop: async () => {} };
  }
  const wanted = env.PROMETHEUS_BIN || options.binary || "prometheus";
  const binary = await findExecutable(wanted, env.PATH ?? "");
  if (!binary) {
    const urlNote = env.PROMETHEUS_URL ? `PROMETHEUS_URL is set but cannot scrape this run's own targets, ` : "PROMETHEUS_URL is not set, ";
    throw new NoPrometheusError(
      env.PROMETHEUS_BIN ? `${urlNote}and PROMETHEUS_BIN=${env.PROMETHEUS_BIN} is not an executable file` : `${urlNote}and "${wanted}" is not on PATH`,
    );
  }
  return startPrivatePrometheus(binary, options.config ?? minimalPrometheusConfig);
}

/**
 * Start `binary` with `config` on a free loopback port, its data in a fresh temporary directory.
 * `stop()` ends it and removes the directory; it is killed at exit if nobody stopped it.
 */
export async function startPrivatePrometheus(binary: string, config: string): Promise<ResolvedPrometheus> {
  const dir = await mkdtemp(path.join(tmpdir(), "workbook-prometheus-"));
  const configFile = path.join(dir, "prometheus.yml");
  await writeFile(configFile, config);
  const port = await getFreePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnTied(
    binary,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "ignore", "pipe"], cwd: dir },
  );
  // Keep the end of its log for error messages; reading it also keeps the pipe from filling up.
  let log = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    log = (log + chunk).slice(-4000);
  });
  const removeDir = () => rm(dir, { recursive: true, force: true });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once("error", () => resolve(false));
    child.once("spawn", () => resolve(true));
  });
  if (!spawned) {
    await removeDir();
    throw new NoPrometheusError(`"${binary}" could not be started`);
  }
  const stopAtExit = () => child.kill("SIGKILL");
  process.once("exit", stopAtExit);
  const deadline = Date.now() + 60_000;
  while (!(await prometheusReady(url, 1000))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stopChild(child);
      process.removeListener("exit", stopAtExit);
      await removeDir();
      throw new NoPrometheusError(`a private ${binary} on port ${port} did not become ready; its log ends with:\n${log.trim().split("\n").slice(-5).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    backend: `a private prometheus (${binary}) on 127.0.0.1:${port} (data in a temporary directory; stopped when the run ends)`,
    started: true,
    stop: async () => {
      await stopChild(child);
      process.removeListener("exit", stopAtExit);
      await removeDir();
    },
    unref: () => {
      child.unref();
      child.stderr?.destroy();
    },
  };
}
