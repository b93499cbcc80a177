import http from "node:http";
import type { AddressInfo } from "node:net";
import { after } from "node:test";
import { createApp, type AppOptions } from "../src/app.ts";
import type { Metrics } from "../src/metrics.ts";

export interface RunningApp {
  url: string;
  /** The app's own metrics registry, read directly (not through GET /metrics), parsed. */
  registry(): Promise<Sample[]>;
  /** Every line the app's logger wrote, as text. */
  lines: string[];
  /** The lines that parse as JSON objects. */
  entries(): Array<Record<string, unknown>>;
}

/** Start the app in this process on a free port, with its logs captured. Closed after the file. */
export async function startApp(options: Omit<AppOptions, "logStream"> = {}): Promise<RunningApp> {
  const lines: string[] = [];
  // pino writes one JSON document per line; a stream only needs a write method.
  const logStream = { write: (chunk: string) => void lines.push(...chunk.split("\n").filter((l) => l.trim() !== "")) };
  const app = createApp({ ...options, logStream });
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    registry: async () => {
      const metrics = app.locals.metrics as Metrics | undefined;
      if (!metrics) throw new Error("this app was built without metrics");
      return parseMetrics(await metrics.registry.metrics());
    },
    lines,
    entries: () =>
      lines.flatMap((line) => {
        try {
          const value: unknown = JSON.parse(line);
          return value && typeof value === "object" ? [value as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
  };
}

/** One sample of the Prometheus text format: name{labels} value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse the Prometheus text exposition format (enough of it for these tests). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, "$1");
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** GET /metrics and parse it; fails with the status when /metrics is missing. */
export async function scrape(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics should answer 200 in the Prometheus text format; got ${res.status} ${text.slice(0, 200)}`);
  return parseMetrics(text);
}

/** Send `count` requests, `concurrency` at a time, and drain their bodies. */
export async function hit(url: string, paths: string[], concurrency = 20): Promise<number[]> {
  const statuses: number[] = new Array<number>(paths.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, paths.length) }, async () => {
      while (next < paths.length) {
        const i = next++;
        const res = await fetch(`${url}${paths[i]}`);
        await res.arrayBuffer();
        statuses[i] = res.status;
      }
    }),
  );
  return statuses;
}

export const describeLabels = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

export const series = (samples: Sample[], name: string, match: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
export const total = (samples: Sample[]) => samples.reduce((sum, s) => sum + s.value, 0);

export interface TimedAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Milliseconds from just before the request was sent to the end of the response, seen by the client. */
  ms: number;
}

/**
 * One GET on a fresh connection with raw header values (sent as bytes, so values fetch would refuse,
 * such as Latin-1 text, can be tried), timed by the client.
 */
export function get(url: string, headers: Record<string, string> = {}): Promise<TimedAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { agent: false, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - started }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

type Entry = Record<string, unknown>;
const field = (entry: Entry, key: string): Entry | undefined =>
  entry[key] && typeof entry[key] === "object" ? (entry[key] as Entry) : undefined;
/** pino-http's names (req.id, res.statusCode, responseTime), with the common alternatives. */
export const idOf = (e: Entry) => field(e, "req")?.id ?? e.reqId ?? e.requestId;
export const statusOf = (e: Entry) => field(e, "res")?.statusCode ?? e.statusCode ?? e.status;
export const durationOf = (e: Entry) => e.responseTime ?? e.durationMs;

/**
 * The line logged when the request with this id completed. pino-http writes it when the response
 * finishes, before the client has read it, so it is usually there at once. A logger that writes
 * later still gets time: the wait goes on while lines keep arriving, and ends once the log has been
 * quiet for 250 ms (at most 2 s in all), so an app that logs nothing fails in a quarter of a second.
 */
export async function completionLine(app: RunningApp, id: string): Promise<Entry> {
  const started = Date.now();
  let count = app.lines.length;
  let quietSince = Date.now();
  for (;;) {
    const line = app.entries().find((e) => idOf(e) === id && statusOf(e) !== undefined);
    if (line) return line;
    if (app.lines.length !== count) [count, quietSince] = [app.lines.length, Date.now()];
    if (Date.now() - quietSince >= 250 || Date.now() - started >= 2000) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(
    `expected a JSON log line with request id "${id}" and the response status; the app logged ${app.lines.length} line(s)${app.lines.length ? `, e.g. ${app.lines.at(-1)}` : " to the log stream (console.log does not go there)"}`,
  );
}

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
