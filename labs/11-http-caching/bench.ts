import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { resolveVarnish, vclWithBackend } from "#kit/services/index.ts";
import { getFreePort, startInstance, type BenchScenario, type Instance } from "#kit/testing/index.ts";

/**
 * Three figures (the kit runs the scenario 3 times and prints medians), each measured on a fresh
 * origin behind a fresh private varnishd running the lab's VCL (default TTL 0, default grace 0, as
 * in the tests):
 * - origin requests per 1,000 client requests: 1,000 GETs spread over the listing and the five
 *   product pages in two languages, 10 at a time, counted by the origin itself;
 * - body bytes received for 200 GETs of one product page by a client that never sends a validator,
 *   and by one that sends back the ETag it holds (If-None-Match);
 * - the error rate with the origin down: pages cached with TTL 1 s and stale-while-revalidate 1 s,
 *   the origin killed, and after 3 s, 10 s of requests (5 pages every 250 ms).
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Reply {
  status: number;
  etag?: string;
  bytes: number;
}

function request(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.request(url, { headers, agent: false, timeout: 10_000 }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, bytes }));
      res.on("error", () => resolve({ status: 0, bytes }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve({ status: 0, bytes: 0 }));
    req.end();
  });
}

async function stack(appDir: string, env: Record<string, string>): Promise<{ cdn: string; origin: Instance; stop(): Promise<void> }> {
  const cdnPort = await getFreePort();
  const origin = await startInstance({ entry: path.join(appDir, "src/server.ts"), env: { ...env, VARNISH_URL: `http://127.0.0.1:${cdnPort}` }, name: "the catalog origin", startTimeoutMs: 60_000 });
  const vcl = await readFile(path.join(appDir, "varnish/default.vcl"), "utf8");
  const varnish = await resolveVarnish({ vcl: vclWithBackend(vcl, "127.0.0.1", origin.port), port: cdnPort, defaultTtlSeconds: 0, params: { default_grace: "0s" } });
  return { cdn: varnish.url, origin, stop: async () => void (await Promise.allSettled([origin.kill(), varnish.stop()])) };
}

async function originTotal(origin: Instance): Promise<number> {
  const response = await fetch(`${origin.url}/_origin/stats`);
  const body = (await response.json()) as { requests: Record<string, number> };
  return Object.entries(body.requests).filter(([key]) => key.startsWith("GET ")).reduce((sum, [, n]) => sum + n, 0);
}

const pages = ["/products", ...[1, 2, 3, 4, 5].map((id) => `/products/${id}`)];
const languages = ["en", "de"];

async function originPerThousand(appDir: string, env: Record<string, string>): Promise<number> {
  const s = await stack(appDir, env);
  try {
    let next = 0;
    const client = async () => {
      while (next < 1000) {
        const i = next++;
        await request(`${s.cdn}${pages[i % pages.length]}`, { "accept-language": languages[Math.floor(i / pages.length) % 2]! });
      }
    };
    await Promise.all(Array.from({ length: 10 }, client));
    return await originTotal(s.origin);
  } finally {
    await s.stop();
  }
}

async function revalidatingBytes(appDir: string, env: Record<string, string>): Promise<{ plain: number; conditional: number }> {
  const s = await stack(appDir, env);
  try {
    let plain = 0;
    for (let i = 0; i < 200; i++) plain += (await request(`${s.cdn}/products/3`)).bytes;
    let conditional = 0;
    let held: string | undefined;
    for (let i = 0; i < 200; i++) {
      const reply = await request(`${s.cdn}/products/3`, held ? { "if-none-match": held } : {});
      conditional += reply.bytes;
      if (reply.status === 200) held = reply.etag;
    }
    return { plain, conditional };
  } finally {
    await s.stop();
  }
}

async function errorRateOriginDown(appDir: string, env: Record<string, string>): Promise<number> {
  const s = await stack(appDir, { ...env, SHARED_TTL_S: "1", SWR_S: "1", SIE_S: "300" });
  try {
    const watched = pages.slice(0, 5);
    for (const page of watched) await request(`${s.cdn}${page}`);
    await s.origin.kill();
    await sleep(3000);
    let sent = 0;
    let failed = 0;
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const replies = await Promise.all(watched.map((page) => request(`${s.cdn}${page}`)));
      sent += replies.length;
      failed += replies.filter((r) => r.status !== 200).length;
      await sleep(250);
    }
    return (100 * failed) / sent;
  } finally {
    await s.stop();
  }
}

const scenario: BenchScenario = async (ctx) => {
  const origin = await originPerThousand(ctx.appDir, ctx.env);
  ctx.log(`${origin} origin requests per 1,000 client requests`);
  const bytes = await revalidatingBytes(ctx.appDir, ctx.env);
  ctx.log(`200 requests: ${bytes.plain} body bytes without If-None-Match, ${bytes.conditional} with`);
  const errors = await errorRateOriginDown(ctx.appDir, ctx.env);
  ctx.log(`${errors.toFixed(1)} % errors with the origin down`);
  return [
    { name: "origin requests per 1,000 client requests", value: origin, unit: "requests", better: "lower", headline: true },
    { name: "body bytes for 200 requests with If-None-Match", value: bytes.conditional, unit: "bytes", better: "lower" },
    { name: "body bytes for 200 requests without If-None-Match", value: bytes.plain, unit: "bytes", better: "lower" },
    { name: "error rate with the origin down for 10 s", value: Math.round(errors * 10) / 10, unit: "%", better: "lower" },
  ];
};
export default scenario;
