// Runs the MongoDB governor in front of a deployment, e.g. the compose replica set:
//   npm run mongo:governor -- --upstream 'mongodb://127.0.0.1:27017/?replicaSet=rs0' --ops 200
// Prints the connection string to use instead; SIGINT/SIGTERM stop it and print what it counted.
// Exit codes: 1 = could not start (upstream silent, port in use), 2 = invalid flags.
import http from "node:http";
import { parseArgs } from "node:util";
import { MongoGovernorOptionsError, startMongoGovernor, type GovernorStats, type MongoGovernorOptions } from "./mongo-governor.ts";

const USAGE = "usage: npm run mongo:governor -- --upstream <mongodb uri> --ops <operations/s per member> [--burst N] [--max-wait ms] [--port P] [--host 127.0.0.1] [--stats-port P]";

function fail(code: number, message: string): never {
  process.stderr.write(`mongo-governor: ${message}\n`);
  process.exit(code);
}

function number(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(raw)) fail(2, `--${flag} must be a number, got "${raw}"\n${USAGE}`);
  return Number(raw);
}

const label = (value: string) => `"${value.replace(/[\\"]/g, "\\$&").replace(/\n/g, "\\n")}"`;

/** The counters in Prometheus' text format, one series a member (and command), for a scrape or a curl. */
function prometheusText(stats: GovernorStats): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP mongo_governor_${name} ${help}`, `# TYPE mongo_governor_${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`mongo_governor_${name}{${labels}} ${value}`);
  };
  const members = stats.members.map((m) => [`member=${label(m.address)},upstream=${label(m.upstream)}`, m] as const);
  const byName = (pick: (m: GovernorStats["members"][number]) => Record<string, number>) =>
    members.flatMap(([labels, m]) => Object.entries(pick(m)).map(([name, n]): [string, number] => [`${labels},command=${label(name)}`, n]));
  metric("member_info", "gauge", "A governed member and its role as its last hello gave it.", members.map(([labels, m]) => [`${labels},role=${label(m.role)}`, 1]));
  metric("operations_total", "counter", "Operations forwarded to the member (they used its budget).", byName((m) => m.byCommand));
  metric("exempt_total", "counter", "Handshake, monitoring and auth commands passed through without using the budget.", byName((m) => m.exempt));
  metric("waited_total", "counter", "Operations that waited for the budget.", members.map(([labels, m]) => [labels, m.waited]));
  metric("wait_seconds_total", "counter", "Time operations spent waiting for the budget.", members.map(([labels, m]) => [labels, m.totalWaitMs / 1000]));
  metric("wait_seconds_max", "gauge", "The longest wait for the budget since the start or the last reset.", members.map(([labels, m]) => [labels, m.maxWaitMs / 1000]));
  metric("queued", "gauge", "Operations waiting for the budget now.", members.map(([labels, m]) => [labels, m.queued]));
  metric("shed_total", "counter", "Operations answered with an overload error: their wait would have passed maxWaitMs.", members.map(([labels, m]) => [labels, m.shed]));
  return `${lines.join("\n")}\n`;
}

/** One line a member: its counters as a learner reads them. */
function summary(stats: GovernorStats): string {
  return stats.members.map((m) => `  ${m.address} -> ${m.upstream} (${m.role}): ${m.operations} operations, ${m.waited} waited (longest ${Math.round(m.maxWaitMs)} ms), ${m.shed} shed, ${m.queued} queued`).join("\n");
}

function readFlags() {
  const options = {
    upstream: { type: "string" }, ops: { type: "string" }, burst: { type: "string" }, "max-wait": { type: "string" },
    port: { type: "string" }, host: { type: "string" }, "stats-port": { type: "string" }, help: { type: "boolean", short: "h" },
  } as const;
  try {
    return parseArgs({ options, strict: true }).values;
  } catch (err) {
    return fail(2, `${(err as Error).message}\n${USAGE}`);
  }
}

const parsed = readFlags();
if (parsed.help) {
  process.stdout.write(`${USAGE}\nAn operations budget per MongoDB member, enforced on the wire (see kit/README.md, "The MongoDB governor").\n`);
  process.exit(0);
}
if (parsed.upstream === undefined || parsed.ops === undefined) fail(2, `--upstream and --ops are required\n${USAGE}`);

const options: MongoGovernorOptions = { upstream: parsed.upstream, opsPerSecond: number("ops", parsed.ops)! };
const burst = number("burst", parsed.burst);
const maxWaitMs = number("max-wait", parsed["max-wait"]);
const port = number("port", parsed.port);
if (burst !== undefined) options.burst = burst;
if (maxWaitMs !== undefined) options.maxWaitMs = maxWaitMs;
if (port !== undefined) options.port = port;
if (parsed.host !== undefined) options.host = parsed.host;
const statsPort = number("stats-port", parsed["stats-port"]);

let governor;
try {
  governor = await startMongoGovernor(options);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof MongoGovernorOptionsError) fail(2, `${e.message.replace(/^mongo-governor: /, "")}\n${USAGE}`);
  if (e.code === "EADDRINUSE") fail(1, `a port from ${port} on is already in use; choose another with --port (0 picks free ports)`);
  fail(1, e.message.replace(/^mongo-governor: /, ""));
}

let stats: http.Server | undefined;
if (statsPort !== undefined) {
  // GET /stats: the counters as JSON, the same object as stats() in code; GET /metrics: for Prometheus.
  stats = http.createServer((req, res) => {
    if (req.url === "/stats") return void res.writeHead(200, { "content-type": "application/json" }).end(`${JSON.stringify(governor.stats(), null, 2)}\n`);
    if (req.url === "/metrics") return void res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(prometheusText(governor.stats()));
    res.writeHead(404).end("try /stats or /metrics\n");
  });
  await new Promise<void>((resolve) => stats!.listen(statsPort, options.host ?? "127.0.0.1", resolve));
}

const budget = `${options.opsPerSecond} operations/s per member`;
process.stderr.write(`mongo-governor: ${budget} in front of ${governor.stats().members.map((m) => m.upstream).join(", ")}, listening on ${governor.hosts.join(", ")}${stats ? `; counters at http://${options.host ?? "127.0.0.1"}:${(stats.address() as { port: number }).port}/stats` : ""}. Ctrl+C stops it.\n`);
process.stdout.write(`${governor.uri}\n`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  const last = governor.stats();
  stats?.close();
  await governor.close();
  process.stderr.write(`mongo-governor: stopped (${signal}); counted:\n${summary(last)}\n`);
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
