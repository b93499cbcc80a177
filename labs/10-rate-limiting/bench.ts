import path from "node:path";
import { roundRobinProxy, startInstances, stopAll, type BenchContext, type BenchFigure } from "#kit/testing/index.ts";

const LIMIT = 100;
const WINDOW_SECONDS = 10;
const WINDOW_MS = WINDOW_SECONDS * 1000;
const WAVES = 20;
const PER_WAVE = 30;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sent {
  status: number;
  sent: number;
  received: number;
}

/**
 * One client, two instances behind a round-robin balancer, a policy of 100 requests per 10 s.
 * The client aims at the edge of a 10-second window (the starter's windows start at multiples of
 * 10 s since the epoch): from 1 s before the edge to 1 s after it, a wave of 30 requests every
 * 100 ms (600 in all). Measured: the most requests admitted within one 10-second span, counted
 * conservatively (all decided between the first one's send and the last one's answer).
 */
export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const env = { ...ctx.env, RATE_LIMIT: String(LIMIT), RATE_WINDOW_SECONDS: String(WINDOW_SECONDS) };
  const apps = await startInstances(2, { entry: path.join(ctx.appDir, "src/server.ts"), env, startTimeoutMs: 60_000 });
  const lb = await roundRobinProxy({ targets: apps.map((a) => a.url) });
  try {
    const one = async (): Promise<Sent> => {
      const sent = performance.now();
      const res = await fetch(`${lb.url}/api/items`);
      await res.arrayBuffer();
      return { status: res.status, sent, received: performance.now() };
    };
    let untilEdge = WINDOW_MS - (Date.now() % WINDOW_MS);
    if (untilEdge < 1500) untilEdge += WINDOW_MS;
    ctx.log(`waiting ${(untilEdge / 1000).toFixed(1)} s for 1 s before a window edge`);
    await sleep(untilEdge - 1000);
    const waves: Promise<Sent[]>[] = [];
    for (let w = 0; w < WAVES; w++) {
      waves.push(Promise.all(Array.from({ length: PER_WAVE }, one)));
      await sleep(100);
    }
    const all = (await Promise.all(waves)).flat();
    const ok = all.filter((r) => r.status === 200).sort((a, b) => a.sent - b.sent);
    let worst = 0;
    for (const first of ok) worst = Math.max(worst, ok.filter((r) => r.sent >= first.sent && r.received < first.sent + WINDOW_MS).length);
    ctx.log(`${ok.length} of ${all.length} admitted; at most ${worst} within ${WINDOW_SECONDS} s (policy: ${LIMIT})`);
    return [
      { name: `requests admitted in the worst ${WINDOW_SECONDS}-second window (policy: ${LIMIT} per ${WINDOW_SECONDS} s)`, value: worst, unit: "requests", better: "lower", headline: true },
      { name: `times the policy, in that window`, value: Math.round((worst / LIMIT) * 100) / 100, unit: "×", better: "lower" },
    ];
  } finally {
    await lb.close();
    await stopAll(apps);
  }
}
