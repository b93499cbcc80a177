import type { AddressInfo } from "node:net";
import { after } from "node:test";
import { createApp, type AppOptions } from "../src/app.ts";

export interface RunningApp {
  url: string;
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
  const server = createApp({ ...options, logStream }).listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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
