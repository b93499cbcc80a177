import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { WebSocket } from "ws";
import { type BenchContext, type BenchFigure, startInstance, type Instance } from "#kit/testing/index.ts";
import { readHaproxyStats, resolveHaproxy, startPrivateRedis } from "#kit/services/index.ts";

const ORIGIN = "https://shop.example";
const FEEDS = 20;
const UPDATES = 50;
const CLIENTS = 20;
const IDLE_SOCKETS = 1000;
const DRAIN_WINDOW_MS = 3000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ClientModule {
  connectFeed(options: {
    url: string;
    cookie: string;
    origin: string;
    backoff: { baseMs: number; capMs: number };
    onMessage?(m: { type: string; id?: string }): void;
    onOpen?(): void;
  }): { close(): void };
}

/**
 * Two instances of the code measured behind HAProxy (its haproxy.cfg), on a private Redis. Measured: the share of
 * 50 updates, posted alternately to both instances, that 20 feeds (10 per instance) receive; the acknowledged
 * updates that 20 clients (src/feed-client.ts, through HAProxy) miss while both instances restart one after the other,
 * and the peak of their reconnects in any one second; and the RSS growth of one instance holding 1,000 idle feeds.
 */
export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const redis = await startPrivateRedis(process.env.REDIS_SERVER_BIN || "redis-server");
  const namespace = ctx.env.WORKBOOK_NS ?? "wb14_bench";
  const env = { REDIS_URL: redis.url, WORKBOOK_NS: namespace, ALLOWED_ORIGINS: ORIGIN, DRAIN_WINDOW_MS: String(DRAIN_WINDOW_MS) };
  const apps: Instance[] = [];
  const sockets: WebSocket[] = [];
  let lb: Awaited<ReturnType<typeof resolveHaproxy>> | undefined;
  try {
    for (const i of [1, 2]) apps.push(await startInstance({ entry: path.join(ctx.appDir, "src/server.ts"), env: { ...env, INSTANCE: `app${i}` }, name: `app${i}`, startTimeoutMs: 60_000 }));
    lb = await resolveHaproxy({
      config: readFileSync(path.join(ctx.appDir, "haproxy.cfg"), "utf8"),
      vars: { APP1_ADDR: `127.0.0.1:${apps[0]!.port}`, APP2_ADDR: `127.0.0.1:${apps[1]!.port}`, CLIENT_TIMEOUT: "30s", SERVER_TIMEOUT: "30s" },
    });
    const login = await fetch(`${apps[0]!.url}/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: "bench" }) });
    const cookie = /^sid=[^;]+/.exec(login.headers.get("set-cookie") ?? "")?.[0] ?? "";
    const open = (wsUrl: string) =>
      new Promise<{ ws: WebSocket; ids: Set<string> }>((resolve, reject) => {
        const ws = new WebSocket(wsUrl, { headers: { cookie }, origin: ORIGIN });
        sockets.push(ws);
        const ids = new Set<string>();
        ws.on("message", (raw) => {
          const m = JSON.parse(String(raw)) as { type: string; id?: string };
          if (m.type === "hello") resolve({ ws, ids });
          if (m.type === "update" && m.id) ids.add(m.id);
        });
        ws.on("error", reject);
        ws.on("unexpected-response", (_req, res) => reject(new Error(`the upgrade answered ${res.statusCode}`)));
      });
    const post = async (base: string, order: string) => {
      const res = await fetch(`${base}/orders/${order}/status`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ status: "in_transit" }) }).catch(() => undefined);
      const json = (await res?.json().catch(() => ({}))) as { id?: string } | undefined;
      return res?.status === 202 ? json?.id : undefined;
    };

    // 1. Fan-out.
    ctx.log(`${FEEDS} feeds on two instances, ${UPDATES} updates posted to both in turn`);
    const feeds = await Promise.all(Array.from({ length: FEEDS }, (_, i) => open(`ws://127.0.0.1:${apps[i % 2]!.port}/feed`)));
    for (let i = 0; i < UPDATES; i++) await post(apps[i % 2]!.url, "bench-fanout");
    await sleep(2000);
    const delivered = feeds.reduce((sum, feed) => sum + feed.ids.size, 0);
    for (const feed of feeds) feed.ws.terminate();

    // 2. Rolling restart.
    ctx.log(`${CLIENTS} clients through HAProxy; both instances restart in turn while an update is posted every 50 ms`);
    const { connectFeed } = (await import(pathToFileURL(path.join(ctx.appDir, "src/feed-client.ts")).href)) as ClientModule;
    const wsLb = `${lb.url.replace(/^http/, "ws")}/feed`;
    const received: Set<string>[] = [];
    const opens: number[] = [];
    const clients = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => {
        const ids = new Set<string>();
        received[i] = ids;
        return new Promise<{ close(): void }>((resolve) => {
          const client = connectFeed({
            url: wsLb,
            cookie,
            origin: ORIGIN,
            backoff: { baseMs: 100, capMs: 3000 },
            onMessage: (m) => {
              if (m.type === "hello") resolve(client);
              if (m.type === "update" && m.id) ids.add(m.id);
            },
            onOpen: () => opens.push(Date.now()),
          });
        });
      }),
    );
    const warm = await post(lb.url, "bench-restart");
    for (let t = 0; t < 100 && !received.every((ids) => warm && ids.has(warm)); t++) await sleep(50);
    const deployStart = Date.now();
    const acked: string[] = [];
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        const id = await post(lb!.url, "bench-restart");
        if (id) acked.push(id);
        await sleep(50);
      }
    })();
    for (const [i, app] of apps.entries()) {
      await app.restart({ timeoutMs: DRAIN_WINDOW_MS + 15_000 }).catch((error: Error) => ctx.log(`app${i + 1} did not stop cleanly: ${error.message.split("\n")[0]}`));
      for (let t = 0; t < 200; t++) {
        const rows = await readHaproxyStats(lb.statsUrl!).catch(() => []);
        if (rows.some((row) => row.svname === `app${i + 1}` && /^(UP|no check)/.test(row.status ?? ""))) break;
        await sleep(100);
      }
    }
    await sleep(1000);
    publishing = false;
    await publisher;
    const last = acked.at(-1);
    for (let t = 0; t < 100 && last && !received.every((ids) => ids.has(last)); t++) await sleep(100);
    const lost = received.reduce((sum, ids) => sum + acked.filter((id) => !ids.has(id)).length, 0);
    const reopens = opens.filter((at) => at >= deployStart).sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; i < reopens.length; i++) {
      while (reopens[i]! - reopens[j]! >= 1000) j++;
      peak = Math.max(peak, i - j + 1);
    }
    for (const client of clients) client.close();
    ctx.log(`${acked.length} updates acknowledged during the deploy; ${lost} of ${acked.length * CLIENTS} deliveries missed; ${reopens.length} reconnects`);

    // 3. Memory of idle sockets, on one instance.
    ctx.log(`${IDLE_SOCKETS} idle feeds on one instance`);
    const target = apps[1]!;
    const rss = async () => Number(((await (await fetch(`${target.url}/stats`)).json()) as { rss: number }).rss);
    await sleep(500);
    const before = await rss();
    for (let i = 0; i < IDLE_SOCKETS; i += 100) await Promise.all(Array.from({ length: 100 }, () => open(`ws://127.0.0.1:${target.port}/feed`)));
    await sleep(1000);
    const after = await rss();
    const perThousandMb = Math.max(0, after - before) / (IDLE_SOCKETS / 1000) / 1024 / 1024;

    const deliveredPct = Math.round((delivered / (FEEDS * UPDATES)) * 1000) / 10;
    const mb = Math.round(perThousandMb * 10) / 10;
    ctx.log(`this run: ${deliveredPct} % delivered, ${lost} deliveries missed in the deploy, peak ${peak} reconnects/s, ${mb} MB per 1,000 idle sockets`);
    return [
      { name: `updates delivered to ${FEEDS} feeds on 2 instances`, value: deliveredPct, unit: "%", better: "higher", headline: true },
      { name: `acknowledged updates missed by ${CLIENTS} clients during a rolling restart (deliveries)`, value: lost, unit: "deliveries", better: "lower" },
      { name: "peak reconnects in any one second of the deploy", value: peak, unit: "reconnects", better: "lower" },
      { name: "memory per 1,000 idle sockets (RSS growth)", value: mb, unit: "MB", better: "lower" },
      { name: "idle sockets a 1 GB instance holds at that rate", value: perThousandMb > 0 ? Math.round(1024 / perThousandMb) * 1000 : 0, unit: "sockets", better: "higher" },
    ];
  } finally {
    for (const ws of sockets) ws.terminate();
    await lb?.stop();
    await Promise.all(apps.map((app) => app.kill()));
    await redis.stop();
  }
}
