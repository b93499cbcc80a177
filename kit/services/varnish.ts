import http from "node:http";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { getFreePort } from "./ports.ts";
import { findBinary } from "./binaries.ts";
import { PrivateServerError, startPrivateServer } from "./private-server.ts";
import { NoServiceError, type ResolvedService } from "./types.ts";

/** Where docker-compose.yml publishes Varnish (profile "cdn"); it forwards to the lab app on the host's port 3000. */
export const composeVarnishUrl = "http://127.0.0.1:6081";

/** Debian installs varnishd in /usr/sbin, which a non-root PATH often lacks. */
const sbinDirs = ["/usr/sbin", "/usr/local/sbin"];

export interface VarnishResolveOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * The VCL to start a private varnishd with. A caller that passes one needs its own backend (a
   * test's random port), which a Varnish from VARNISH_URL or compose cannot know, so those are
   * then not used.
   */
  vcl?: string;
  /** varnishd parameters (`-p name=value`), e.g. { default_grace: "0s" }. */
  params?: Record<string, string>;
  /** The default TTL (`-t`) in seconds for responses without freshness information. */
  defaultTtlSeconds?: number;
  /** The loopback port for a private varnishd (default: a free one). */
  port?: number;
  /** The compose address to probe; tests point it at a closed port. */
  composeUrl?: string;
  /** Where to look for varnishd besides PATH (default /usr/sbin and /usr/local/sbin). */
  sbinDirs?: readonly string[];
}

export interface ResolvedVarnish extends ResolvedService {
  /** True when this process started varnishd (with the given VCL). */
  started: boolean;
}

export class NoVarnishError extends NoServiceError {
  override name = "NoVarnishError";
  constructor(detail: string) {
    super("Varnish", detail, [
      "set VARNISH_URL to a running Varnish (it must forward to the lab app), or VARNISHD_BIN to a varnishd binary",
      "start the compose service: docker compose --profile cdn up -d varnish   (listens on 127.0.0.1:6081, forwards to the app on port 3000)",
      "install it (Debian: apt install varnish varnish-modules; macOS: brew install varnish); the kit starts a private varnishd in a temporary directory",
    ]);
  }
}

/** varnishd started but exited before it answered: it rejected the VCL or its options. Its own words, for whoever wrote the VCL. */
export class VarnishConfigError extends Error {
  override name = "VarnishConfigError";
}

/**
 * True when `url` answers as Varnish does (an X-Varnish header). It asks with the method PRI, which
 * the built-in VCL answers with a synthetic 405 itself, so the probe never reaches the origin.
 */
export function varnishAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: "PRI", agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.headers["x-varnish"] !== undefined));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** The varnishd binary: VARNISHD_BIN, else `varnishd` on PATH or in /usr/sbin, /usr/local/sbin. */
export async function findVarnishd(env: NodeJS.ProcessEnv = process.env, extraDirs: readonly string[] = sbinDirs): Promise<string | undefined> {
  return findBinary("varnishd", env.VARNISHD_BIN, env, extraDirs);
}

function missingBinary(env: NodeJS.ProcessEnv): string {
  return env.VARNISHD_BIN ? `VARNISHD_BIN=${env.VARNISHD_BIN} is not an executable file` : `"varnishd" is not on PATH, in /usr/sbin or in /usr/local/sbin`;
}

/**
 * Point the first backend of `vcl` at host:port (its `.host` and `.port` lines), so one VCL file
 * serves compose (host.docker.internal:3000) and a private varnishd in front of a test's app.
 */
export function vclWithBackend(vcl: string, host: string, port: number): string {
  const block = /backend\s+\w+\s*\{[\s\S]*?\n\}/.exec(vcl);
  if (!block) throw new Error("the VCL has no backend block to point at the app");
  const rewritten = block[0].replace(/\.host\s*=\s*"[^"]*"\s*;/, `.host = "${host}";`).replace(/\.port\s*=\s*"[^"]*"\s*;/, `.port = "${port}";`);
  return vcl.slice(0, block.index) + rewritten + vcl.slice(block.index + block[0].length);
}

/** A VCL with one backend and nothing else: Varnish's built-in behaviour in front of host:port. */
export function minimalVcl(host = "127.0.0.1", port = 3000): string {
  return ["vcl 4.1;", "", `backend default {`, `    .host = "${host}";`, `    .port = "${port}";`, "}", ""].join("\n");
}

/**
 * Resolve Varnish: VARNISH_URL, then the compose service if it answers (both only when no VCL of
 * the caller's own is needed), then VARNISHD_BIN or varnishd on PATH started privately with the
 * VCL, or a clear error naming the three ways.
 */
export async function resolveVarnish(options: VarnishResolveOptions = {}): Promise<ResolvedVarnish> {
  const env = options.env ?? process.env;
  if (options.vcl === undefined) {
    if (env.VARNISH_URL) {
      const url = env.VARNISH_URL.replace(/\/+$/, "");
      return { url, backend: `Varnish from VARNISH_URL (${url})`, started: false, stop: async () => {} };
    }
    const composeUrl = options.composeUrl ?? env.WORKBOOK_COMPOSE_VARNISH_URL ?? composeVarnishUrl;
    if (await varnishAnswers(composeUrl)) {
      return { url: composeUrl, backend: `Varnish at ${composeUrl} (the compose service)`, started: false, stop: async () => {} };
    }
  }
  const binary = await findVarnishd(env, options.sbinDirs);
  if (!binary) {
    const tried =
      options.vcl === undefined
        ? `VARNISH_URL is not set, nothing that is Varnish answers on ${options.composeUrl ?? composeVarnishUrl}`
        : `this run needs its own VCL, which ${env.VARNISH_URL ? "the Varnish at VARNISH_URL" : "a shared Varnish"} cannot load`;
    throw new NoVarnishError(`${tried}, and ${missingBinary(env)}`);
  }
  return startPrivateVarnish(binary, options.vcl ?? minimalVcl(), options);
}

/**
 * Start `binary` in the foreground with `vcl` on a loopback port, its work directory (-n) in a fresh
 * temporary directory, no admin port. `stop()` ends it and removes the directory; it dies with this
 * process if nobody stopped it.
 */
export async function startPrivateVarnish(binary: string, vcl: string, options: Pick<VarnishResolveOptions, "params" | "defaultTtlSeconds" | "port"> = {}): Promise<ResolvedVarnish> {
  const port = options.port ?? (await getFreePort());
  const url = `http://127.0.0.1:${port}`;
  let server;
  try {
    server = await startPrivateServer({
      name: `a private ${binary} on port ${port}`,
      binary,
      dirPrefix: "varnish",
      // Run as root, varnishd drops to its own user, which must still read the VCL.
      dirMode: 0o755,
      prepare: (dir) => writeFile(path.join(dir, "default.vcl"), vcl, { mode: 0o644 }),
      args: (dir) => {
        // -j none: as root, the default jail switches user ids, which clears the parent-death signal that
        // ties varnishd to this process (see kit/lifecycle.ts); without it a SIGKILLed test leaves Varnish running.
        const args = ["-j", "none", "-F", "-n", path.join(dir, "work"), "-a", `127.0.0.1:${port}`, "-f", path.join(dir, "default.vcl"), "-T", "none", "-s", "malloc,64m"];
        if (options.defaultTtlSeconds !== undefined) args.push("-t", String(options.defaultTtlSeconds));
        for (const [name, value] of Object.entries(options.params ?? {})) args.push("-p", `${name}=${value}`);
        return args;
      },
      ready: () => varnishAnswers(url, 1000),
      // varnishd compiles the VCL with the C compiler before it answers: about a second here, several on a
      // loaded machine. A VCL that does not compile ends the process, which ends the wait at once.
      readyTimeoutMs: 60_000,
      pollMs: 100,
      logTailChars: 4000,
    });
  } catch (error) {
    if (error instanceof PrivateServerError && error.reason === "exited") {
      throw new VarnishConfigError(`varnishd (${binary}) exited before it answered: it rejected the VCL or its options. Its log ends with:\n${error.logTail}`);
    }
    if (error instanceof PrivateServerError) throw new NoVarnishError(error.message);
    throw error;
  }
  return {
    url,
    backend: `a private varnishd (${binary}) on 127.0.0.1:${port} (work directory in a temporary directory; stopped when the run ends)`,
    started: true,
    stop: server.stop,
    unref: server.unref,
  };
}

/**
 * For `resolveServices`: find a Varnish without starting one (each test starts its own with its
 * own VCL), so a learner without one hears it when the lab starts. Returns the variables to pass
 * on: VARNISH_URL for a running one (URL or compose), VARNISHD_BIN for a binary.
 */
export async function locateVarnish(env: NodeJS.ProcessEnv = process.env, composeUrl?: string): Promise<{ env: Record<string, string>; backend: string }> {
  const binary = await findVarnishd(env);
  const withBinary: Record<string, string> = binary ? { VARNISHD_BIN: binary } : {};
  if (env.VARNISH_URL) return { env: { VARNISH_URL: env.VARNISH_URL.replace(/\/+$/, ""), ...withBinary }, backend: `Varnish from VARNISH_URL (${env.VARNISH_URL})` };
  const compose = composeUrl ?? env.WORKBOOK_COMPOSE_VARNISH_URL ?? composeVarnishUrl;
  if (await varnishAnswers(compose)) return { env: { VARNISH_URL: compose, ...withBinary }, backend: `Varnish at ${compose} (the compose service)` };
  if (binary) return { env: withBinary, backend: `varnishd at ${binary} (each run starts a private one with the lab's VCL)` };
  throw new NoVarnishError(`VARNISH_URL is not set, nothing that is Varnish answers on ${compose}, and ${missingBinary(env)}`);
}
