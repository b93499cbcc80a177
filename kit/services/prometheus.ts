import { writeFile } from "node:fs/promises";
import path from "node:path";
import { findBinary } from "./binaries.ts";
import { getFreePort } from "./ports.ts";
import { PrivateServerError, startPrivateServer } from "./private-server.ts";
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

/** prometheus started but exited before it answered: it rejected the config or its flags. Its own words, for whoever wrote the config. */
export class PrometheusConfigError extends Error {
  override name = "PrometheusConfigError";
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
  const binary = await findBinary(options.binary ?? "prometheus", env.PROMETHEUS_BIN, env, []);
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
 * `stop()` ends it and removes the directory; it dies with this process if nobody stopped it.
 */
export async function startPrivatePrometheus(binary: string, config: string): Promise<ResolvedPrometheus> {
  const port = await getFreePort();
  const url = `http://127.0.0.1:${port}`;
  let server;
  try {
    server = await startPrivateServer({
      name: `a private ${binary} on port ${port}`,
      binary,
      dirPrefix: "prometheus",
      prepare: (dir) => writeFile(path.join(dir, "prometheus.yml"), config),
      args: (dir) => [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
      ready: () => prometheusReady(url, 1000),
      // Prometheus replays its (empty) write-ahead log and opens the TSDB before /-/ready says 200: about
      // a second here, more on a loaded CI machine.
      readyTimeoutMs: 60_000,
      pollMs: 100,
      logTailChars: 4000,
    });
  } catch (error) {
    if (error instanceof PrivateServerError && error.reason === "exited") {
      throw new PrometheusConfigError(`prometheus (${binary}) exited before it answered: it rejected the config or its flags. Its log ends with:\n${error.logTail}`);
    }
    if (error instanceof PrivateServerError) throw new NoPrometheusError(error.message);
    throw error;
  }
  return {
    url,
    backend: `a private prometheus (${binary}) on 127.0.0.1:${port} (data in a temporary directory; stopped when the run ends)`,
    started: true,
    stop: server.stop,
    unref: server.unref,
  };
}
