import path from "node:path";
import { roundRobinProxy, startInstances, stopAll, type BenchContext, type BenchFigure } from "#kit/testing/index.ts";

const REQUESTS = 200;

/**
 * Two instances behind a round-robin balancer; one login, then REQUESTS calls to GET /me with the
 * same cookie. Every 401 is a user who was silently logged out by the load balancer.
 */
export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const apps = await startInstances(2, { entry: path.join(ctx.appDir, "src/server.ts"), env: ctx.env });
  const lb = await roundRobinProxy({ targets: apps.map((a) => a.url) });
  try {
    const login = await fetch(`${lb.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "bench" }) });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    let lost = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const me = await fetch(`${lb.url}/me`, { headers: { cookie } });
      await me.arrayBuffer();
      if (me.status === 401) lost++;
    }
    ctx.log(`${lost} of ${REQUESTS} requests lost the session`);
    return [{ name: `sessions lost per ${REQUESTS} requests`, value: lost, unit: "requests", better: "lower" }];
  } finally {
    await lb.close();
    await stopAll(apps);
  }
}
