import net from "node:net";
import { after, before } from "node:test";
import { Redis } from "ioredis";
import { labServices } from "#kit/testing/index.ts";
import { startPrivateRedisCluster, type ResolvedRedisCluster } from "#kit/services/index.ts";
import { createApp, type RunningApp } from "../src/app.ts";
import { readConfig, type Config } from "../src/config.ts";

export interface Node {
  url: string;
  port: number;
  client: Redis;
}

export interface Lab {
  /** The app, in this process, on a free port. */
  url: string;
  config: Config;
  namespace: string;
  cluster: ResolvedRedisCluster;
  /** The cluster's primaries and replicas, each with a client of its own (not the app's). */
  primaries: Node[];
  replicas: Node[];
  /** Stop the cluster (the last test of a file may do this); after() then does not stop it again. */
  stopCluster(): Promise<void>;
}

/**
 * A private Redis Cluster for this file (three primaries, and `replicasPerPrimary` replicas each), and the app
 * in this process with REDIS_CLUSTER_URL pointing at it. REDIS_URL is the kit's single Redis, where the starter
 * keeps everything. Private, so that command counts and slot moves concern this file alone.
 */
export function useLab(options: { replicasPerPrimary?: number; env?: Record<string, string> } = {}): () => Lab {
  let lab: Lab | undefined;
  let running: RunningApp | undefined;
  let server: net.Server | undefined;
  let clusterStopped = false;
  let single: { url: string; namespace: string } | undefined;
  before(async () => {
    const { redisUrl, namespace } = await labServices(["redis"]);
    single = { url: redisUrl, namespace };
    const cluster = await startPrivateRedisCluster(process.env.REDIS_SERVER_BIN || "redis-server", { primaries: 3, replicasPerPrimary: options.replicasPerPrimary ?? 0 });
    cluster.unref?.();
    const nodes = cluster.nodes.map((url) => {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      client.on("error", () => {});
      return { url, port: Number(new URL(url).port), client };
    });
    const roles = await Promise.all(nodes.map(async (node) => String(((await node.client.call("ROLE")) as unknown[])[0])));
    // A replica is listed in CLUSTER SLOTS (where clients learn of it) only once it has synced with its primary and
    // the cluster has heard so: seconds after the cluster reports itself healthy. Wait for that, so that a client
    // that would read from replicas finds them.
    if ((options.replicasPerPrimary ?? 0) > 0) {
      const deadline = Date.now() + 60_000;
      const listed = async () => ((await nodes[0]!.client.call("CLUSTER", "SLOTS")) as unknown[][]).every((range) => range.length > 3);
      while (!(await listed())) {
        if (Date.now() > deadline) throw new Error("the private cluster's replicas were not listed in CLUSTER SLOTS within 60 s");
        await sleep(200);
      }
    }
    const config = readConfig({ REDIS_URL: redisUrl, REDIS_CLUSTER_URL: cluster.url, WORKBOOK_NS: namespace, ...options.env });
    running = createApp(config);
    server = running.app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve, reject) => server!.once("listening", resolve).once("error", reject));
    lab = {
      url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      config,
      namespace,
      cluster,
      primaries: nodes.filter((_, i) => roles[i] === "master"),
      replicas: nodes.filter((_, i) => roles[i] === "slave"),
      async stopCluster() {
        clusterStopped = true;
        for (const node of nodes) node.client.disconnect();
        await cluster.stop();
      },
    };
  });
  after(async () => {
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    (server as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
    await closed;
    // The app's clients may wait for a cluster that is gone: give closing a few seconds, no more.
    await Promise.race([running?.close().catch(() => {}), sleep(5_000)]);
    if (lab && !clusterStopped) {
      for (const node of [...lab.primaries, ...lab.replicas]) node.client.disconnect();
      await lab.cluster.stop();
    }
    // What the code wrote to the one Redis (the starter keeps everything there), under this file's namespace.
    if (single) {
      const redis = new Redis(single.url, { maxRetriesPerRequest: 1 });
      redis.on("error", () => {});
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `*${single.namespace}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== "0");
      } catch {
        // Nothing to clean when that Redis is gone.
      } finally {
        redis.disconnect();
      }
    }
  });
  return () => {
    if (!lab) throw new Error("the lab did not start");
    return lab;
  };
}

export interface Reply {
  status: number;
  json: Record<string, unknown>;
  text: string;
}

export async function call(lab: Lab, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(new URL(path, lab.url), {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  return { status: res.status, json, text };
}

/** A reply in a few words, for failure messages. */
export const said = (reply: Reply) => `${reply.status} ${reply.text.slice(0, 200)}`;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let unique = 0;
/** A user name no other test of this run uses. */
export const freshUser = (label = "u") => `${label}_${process.pid.toString(36)}_${(++unique).toString(36)}_${Math.random().toString(36).slice(2, 6)}`;

/** Every key on one node (a private cluster holds only this file's keys). */
export async function keysOn(node: Node): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await node.client.scan(cursor, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

/** Every key on the cluster's primaries, with the primary that holds it. */
export async function keysByPrimary(lab: Lab): Promise<{ key: string; primary: number }[]> {
  const out: { key: string; primary: number }[] = [];
  for (const [i, node] of lab.primaries.entries()) for (const key of await keysOn(node)) out.push({ key, primary: i });
  return out;
}

export async function slotOf(lab: Lab, key: string): Promise<number> {
  return Number(await lab.primaries[0]!.client.call("CLUSTER", "KEYSLOT", key));
}

/** INFO commandstats of one node: calls per command name (lower case, as Redis names them). */
export async function commandCalls(node: Node): Promise<Map<string, number>> {
  const text = String(await node.client.info("commandstats"));
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

/** Calls per command summed over `nodes`, from `before` to now. */
export async function callsSince(nodes: Node[], before: Map<string, number>[]): Promise<Map<string, number>> {
  const delta = new Map<string, number>();
  for (const [i, node] of nodes.entries()) {
    for (const [name, calls] of await commandCalls(node)) {
      const diff = calls - (before[i]!.get(name) ?? 0);
      if (diff > 0) delta.set(name, (delta.get(name) ?? 0) + diff);
    }
  }
  return delta;
}

export const snapshot = (nodes: Node[]) => Promise.all(nodes.map(commandCalls));

/** A catalogue of `families` families of `variants` variants each: fam0-v0 ... with a price per SKU. */
export function catalogue(prefix: string, families: number, variants: number): { sku: string; priceCents: number }[] {
  const out: { sku: string; priceCents: number }[] = [];
  for (let f = 0; f < families; f++) for (let v = 0; v < variants; v++) out.push({ sku: `${prefix}${f}-v${v}`, priceCents: 100 * (f + 1) + v });
  return out;
}

/** Keys that do not contain the run's namespace, for the "everything under the namespace" tests. */
export async function keysOutsideNamespace(lab: Lab): Promise<string[]> {
  return (await keysByPrimary(lab)).map((k) => k.key).filter((key) => !key.includes(lab.namespace));
}

/** How the keys of the run fall on the primaries, as "a / b / c". */
export function spread(keys: { primary: number }[], primaries: number): number[] {
  const counts = Array.from({ length: primaries }, () => 0);
  for (const k of keys) counts[k.primary]!++;
  return counts;
}

/** The primary that owns `slot`, by index into lab.primaries, as the cluster says now. */
export async function ownerOf(lab: Lab, slot: number): Promise<number> {
  const ranges = (await lab.primaries[0]!.client.call("CLUSTER", "SLOTS")) as [number, number, [string, number, string]][];
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  const port = range?.[2][1];
  const index = lab.primaries.findIndex((node) => node.port === port);
  if (index === -1) throw new Error(`no primary owns slot ${slot}`);
  return index;
}

/**
 * Move one slot from its owner to another primary the way redis-cli --cluster reshard does: mark it IMPORTING on
 * the target and MIGRATING on the source, MIGRATE its keys `batch` at a time (pausing `pauseMs` between batches,
 * as a large slot takes time), then assign it to the target on every primary. Returns how many keys moved.
 */
export async function moveSlot(lab: Lab, slot: number, options: { batch?: number; pauseMs?: number } = {}): Promise<{ from: number; to: number; keys: number }> {
  const from = await ownerOf(lab, slot);
  const to = (from + 1) % lab.primaries.length;
  const source = lab.primaries[from]!;
  const target = lab.primaries[to]!;
  const sourceId = String(await source.client.call("CLUSTER", "MYID"));
  const targetId = String(await target.client.call("CLUSTER", "MYID"));
  await target.client.call("CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId);
  await source.client.call("CLUSTER", "SETSLOT", slot, "MIGRATING", targetId);
  let moved = 0;
  for (;;) {
    const keys = (await source.client.call("CLUSTER", "GETKEYSINSLOT", slot, options.batch ?? 1)) as string[];
    if (keys.length === 0) break;
    await source.client.call("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", ...keys);
    moved += keys.length;
    await sleep(options.pauseMs ?? 0);
  }
  await target.client.call("CLUSTER", "SETSLOT", slot, "NODE", targetId);
  await source.client.call("CLUSTER", "SETSLOT", slot, "NODE", targetId);
  for (const [i, node] of lab.primaries.entries()) if (i !== from && i !== to) await node.client.call("CLUSTER", "SETSLOT", slot, "NODE", targetId);
  return { from, to, keys: moved };
}
