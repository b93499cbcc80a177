// The MongoDB governor: a wire-level proxy that gives each member of a deployment an operations budget
// (operations per second, with a small burst). Over the budget, requests wait their turn, so latency
// grows with overload the way a saturated server's does. See kit/README.md, "The MongoDB governor".
import { MongoClient } from "mongodb";
import { addCounters, emptyCounters, type GovernorCounters } from "./mongo-governor-budget.ts";
import { MemberListener, type MemberTarget } from "./mongo-governor-member.ts";
import { roleOf, type MemberRole } from "./mongo-governor-wire.ts";
import { redact } from "./mongo.ts";

export { EXEMPT_COMMANDS } from "./mongo-governor-member.ts";
export type { GovernorCounters } from "./mongo-governor-budget.ts";

export interface MongoGovernorOptions {
  /** The deployment to govern, e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0 (its members are read from `hello`). */
  upstream: string;
  /** Operations per second each member may start. */
  opsPerSecond: number;
  /** Operations an idle member may start at once; default a tenth of a second's budget, at least 1. */
  burst?: number;
  /** The longest an operation may wait for the budget; one that would wait longer gets an overload error at once. Default 10,000. */
  maxWaitMs?: number;
  /** Where the governor listens: default 127.0.0.1, on free ports (or `port`, `port`+1, ... one per member). */
  host?: string;
  port?: number;
  /** How long to wait for the upstream's first `hello`. Default 5,000 ms. */
  discoveryTimeoutMs?: number;
}

export interface MemberStats extends GovernorCounters {
  /** The governor's listener for this member, as the client sees it. */
  address: string;
  /** The member behind it, as the deployment names it. */
  upstream: string;
  /** What the member said it was in the last hello that passed through (at first, what the upstream's hello said). */
  role: MemberRole;
}

export interface GovernorStats {
  total: GovernorCounters;
  members: MemberStats[];
}

export interface MongoGovernor {
  /** The connection string for clients: the governor's listeners, with the upstream's options. */
  uri: string;
  /** The listeners' host:port, in the order of `members`. */
  hosts: string[];
  stats(): GovernorStats;
  /** Zeroes every counter (not the queue, nor the budget). */
  reset(): void;
  /** Ends every connection, drops queued operations, stops listening. */
  close(): Promise<void>;
}

export class MongoGovernorOptionsError extends Error {
  override name = "MongoGovernorOptionsError";
}

const bad = (message: string): never => {
  throw new MongoGovernorOptionsError(`mongo-governor: ${message}`);
};

interface ParsedUri {
  credentials: string;
  seeds: string[];
  path: string;
  params: URLSearchParams;
}

function parseUpstream(uri: unknown): ParsedUri {
  if (typeof uri !== "string" || uri === "") return bad('"upstream" must be a MongoDB connection string such as mongodb://127.0.0.1:27017/?replicaSet=rs0');
  if (uri.startsWith("mongodb+srv://")) return bad(`"upstream" ${redact(uri)}: mongodb+srv:// is not supported; give the members as host:port (mongodb://a:27017,b:27017/?replicaSet=rs0)`);
  const match = /^mongodb:\/\/(?:([^@/?]*)@)?([^/?]+)(\/[^?]*)?(?:\?(.*))?$/.exec(uri);
  if (!match) return bad(`"upstream" ${redact(uri)} is not a mongodb:// connection string`);
  const params = new URLSearchParams(match[4] ?? "");
  for (const option of ["tls", "ssl", "loadBalanced"]) {
    if (params.get(option) === "true") bad(`"upstream" ${redact(uri)}: ${option}=true is not supported (the governor reads the plain wire protocol)`);
  }
  return { credentials: match[1] === undefined ? "" : `${match[1]}@`, seeds: match[2]!.split(","), path: match[3] ?? "/", params };
}

/** host:port -> where to connect; the port defaults to MongoDB's 27017. */
function targetOf(address: string): MemberTarget {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(address);
  if (!match) return bad(`cannot read the member address "${address}"`);
  return { upstream: address, host: match[1] ?? match[2]!, port: Number(match[3] ?? 27017) };
}

function checkNumber(name: string, value: unknown, ok: (n: number) => boolean, what: string): void {
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) bad(`"${name}" must be ${what}, got ${JSON.stringify(value)}`);
}

/**
 * The members to govern, with what each is as far as the upstream's hello tells: the set's members, or
 * just the seeds for a direct connection or a deployment that is not a replica set.
 */
async function discover(upstream: string, parsed: ParsedUri, timeoutMs: number): Promise<{ members: [string, MemberRole][]; setName?: string }> {
  const client = new MongoClient(upstream, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    const hello = await client.db("admin").command({ hello: 1 }, { readPreference: "nearest" });
    if (typeof hello.setName !== "string" || parsed.params.get("directConnection") === "true") {
      return { members: parsed.seeds.map((seed): [string, MemberRole] => [seed, roleOf(hello)]) };
    }
    const list = (field: string) => (Array.isArray(hello[field]) ? (hello[field] as string[]) : []);
    const role = (address: string): MemberRole => (list("arbiters").includes(address) ? "arbiter" : address === hello.primary ? "primary" : "secondary");
    return { members: ["hosts", "passives", "arbiters"].flatMap(list).map((a): [string, MemberRole] => [a, role(a)]), setName: hello.setName };
  } catch (err) {
    throw new Error(`mongo-governor: the upstream ${redact(upstream)} did not answer hello within ${timeoutMs} ms (${(err as Error).message})`, { cause: err });
  } finally {
    await client.close().catch(() => {});
  }
}

export async function startMongoGovernor(options: MongoGovernorOptions): Promise<MongoGovernor> {
  if (typeof options !== "object" || options === null) bad("options are required: { upstream, opsPerSecond }");
  const parsed = parseUpstream(options.upstream);
  checkNumber("opsPerSecond", options.opsPerSecond, (n) => n > 0, "a number of operations per second above 0");
  const burst = options.burst ?? Math.max(1, Math.ceil(options.opsPerSecond / 10));
  checkNumber("burst", burst, (n) => Number.isInteger(n) && n >= 1, "a whole number of operations, 1 or more");
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  checkNumber("maxWaitMs", maxWaitMs, (n) => n >= 0, "a number of milliseconds, 0 or more");
  const port = options.port ?? 0;
  checkNumber("port", port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, "a port number from 0 to 65535 (0 picks free ports)");
  const discoveryTimeoutMs = options.discoveryTimeoutMs ?? 5000;
  checkNumber("discoveryTimeoutMs", discoveryTimeoutMs, (n) => n > 0, "a number of milliseconds above 0");
  const host = options.host ?? "127.0.0.1";

  const { members, setName } = await discover(options.upstream, parsed, discoveryTimeoutMs);
  const targets = members.map(([address]) => targetOf(address));
  if (port !== 0 && port + targets.length - 1 > 65535) bad(`"port" ${port} leaves no room for ${targets.length} listeners`);
  const addresses = new Map<string, string>();
  const listeners: MemberListener[] = [];
  const budget = { opsPerSecond: options.opsPerSecond, burst, maxWaitMs };
  const closeAll = () => Promise.all(listeners.map((l) => l.close())).then(() => {});
  try {
    for (const [i, target] of targets.entries()) {
      const listener = await MemberListener.listen(host, port === 0 ? 0 : port + i, target, budget, addresses);
      listener.role = members[i]![1];
      listeners.push(listener);
      addresses.set(target.upstream.toLowerCase(), `${host}:${listener.port}`);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  const hosts = listeners.map((l) => `${host}:${l.port}`);
  const params = new URLSearchParams(parsed.params);
  if (setName !== undefined) params.set("replicaSet", setName);
  const query = params.size > 0 ? `?${params}` : "";
  let closed: Promise<void> | undefined;
  return {
    uri: `mongodb://${parsed.credentials}${hosts.join(",")}${parsed.path}${query}`,
    hosts,
    stats: () => {
      const perMember = listeners.map((l, i) => ({ address: hosts[i]!, upstream: l.target.upstream, role: l.role, ...l.budget.counters() }));
      return { total: perMember.reduce(addCounters, emptyCounters()), members: perMember };
    },
    reset: () => listeners.forEach((l) => l.budget.reset()),
    close: () => (closed ??= closeAll()),
  };
}
