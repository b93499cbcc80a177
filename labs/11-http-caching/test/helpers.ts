import { readFile } from "node:fs/promises";
import http from "node:http";
import { after } from "node:test";
import { resolveVarnish, vclWithBackend, type ResolvedVarnish } from "#kit/services/index.ts";
import { getFreePort, startInstance, type Instance } from "#kit/testing/index.ts";

/** The app behind a private varnishd that runs this lab's varnish/default.vcl. */
export interface Stack {
  /** Varnish: where clients go. */
  cdn: string;
  /** The app itself, bypassing the cache. */
  origin: Instance;
  varnish: ResolvedVarnish;
  /** Requests the origin has answered for "METHOD /path" (counted by the app). */
  originCount(key: string): Promise<number>;
}

/**
 * The CDN's settings, as a careful CDN runs: a response that says nothing about caching is not
 * stored (default TTL 0), and nothing is served stale unless the response allows it (default
 * grace 0). Everything else comes from the lab's VCL and the app's headers.
 */
export const cdnParams = { defaultTtlSeconds: 0, params: { default_grace: "0s" } };

const stacks: Stack[] = [];
after(async () => {
  await Promise.allSettled(stacks.map(async (s) => Promise.allSettled([s.origin.kill(), s.varnish.stop()])));
});

/**
 * Between the app and Varnish: forwards what the app sends (its PURGE or BAN requests) after
 * `delayMs`, with the Host the clients use, so that an invalidation the app does not wait for
 * arrives after the test's next read, every time.
 */
async function slowLink(cdnPort: number, delayMs: number): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    setTimeout(() => {
      const forward = http.request(
        { host: "127.0.0.1", port: cdnPort, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${cdnPort}` }, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", () => res.writeHead(502).end());
      forward.end();
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, close: () => server.close() };
}

export interface StackOptions {
  /** Delay every request the app sends to Varnish by this long (see slowLink). */
  invalidationDelayMs?: number;
}

export async function startStack(env: Record<string, string> = {}, options: StackOptions = {}): Promise<Stack> {
  const cdnPort = await getFreePort();
  const link = options.invalidationDelayMs ? await slowLink(cdnPort, options.invalidationDelayMs) : undefined;
  const origin = await startInstance({
    entry: new URL("../src/server.ts", import.meta.url),
    env: { VARNISH_URL: link?.url ?? `http://127.0.0.1:${cdnPort}`, ...env },
    name: "the catalog origin",
    startTimeoutMs: 60_000,
  });
  const vcl = await readFile(new URL("../varnish/default.vcl", import.meta.url), "utf8");
  let varnish: ResolvedVarnish;
  try {
    varnish = await resolveVarnish({ vcl: vclWithBackend(vcl, "127.0.0.1", origin.port), port: cdnPort, ...cdnParams });
  } catch (error) {
    await origin.kill();
    throw error;
  }
  const stack: Stack = {
    cdn: varnish.url,
    origin,
    varnish,
    originCount: async (key) => {
      const response = await fetch(`${origin.url}/_origin/stats`);
      const body = (await response.json()) as { requests: Record<string, number> };
      return body.requests[key] ?? 0;
    },
  };
  stacks.push(stack);
  return stack;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/**
 * One request with node:http, the body read as text. (fetch would add "Cache-Control: no-cache"
 * to any request with If-None-Match, as the Fetch standard says, which turns off Express's 304.)
 * `localAddress` binds the client to another loopback address, to stand for a stranger.
 */
export function get(url: string, headers: Record<string, string> = {}, method = "GET", body?: unknown, localAddress?: string): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent: false, timeout: 10_000, localAddress, headers: payload === undefined ? headers : { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          const out = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(", ") : value);
          resolve({ status: res.statusCode ?? 0, headers: out, body: text, json: <T>() => JSON.parse(text) as T });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url} got no answer within 10 s`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** The Cache-Control directives of a response, lower-cased: { public: true, "s-maxage": "60" }. */
export function directives(answer: Answer): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (const part of (answer.headers.get("cache-control") ?? "").split(",")) {
    const [name, value] = part.trim().toLowerCase().split("=");
    if (name) out[name] = value === undefined ? true : value.replace(/^"|"$/g, "");
  }
  return out;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
