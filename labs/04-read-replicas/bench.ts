import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { MongoClient } from "mongodb";
import type { BenchContext, BenchFigure, BenchScenario } from "#kit/testing/index.ts";

type AppModule = typeof import("./src/app.ts");
type SeedModule = typeof import("./src/seed.ts");

const json = { "content-type": "application/json" };

/**
 * 1,000 mixed requests against the lab's app (in this process, with a monitored MongoClient):
 * per 10 requests, 1 PATCH followed by 2 reads from the writer, 6 reads of other profiles and
 * 1 analytics report. Counts where the driver sent each command.
 */
const scenario: BenchScenario = async (ctx: BenchContext): Promise<BenchFigure[]> => {
  const mongoUrl = ctx.env.MONGO_URL;
  const dbName = ctx.env.WORKBOOK_NS;
  if (!mongoUrl || !dbName) throw new Error("the bench needs MONGO_URL (a replica set) and WORKBOOK_NS");
  const { createApp } = (await import(pathToFileURL(path.join(ctx.appDir, "src/app.ts")).href)) as AppModule;
  const { seedProfiles } = (await import(pathToFileURL(path.join(ctx.appDir, "src/seed.ts")).href)) as SeedModule;

  const client = new MongoClient(mongoUrl, { monitorCommands: true });
  let secondaries = 0;
  client.on("serverDescriptionChanged", (e) => {
    if (e.newDescription.type === "RSSecondary") secondaries++;
  });
  const onServer = { primary: 0, secondary: 0 };
  const analytics = { primary: 0, secondary: 0 };
  let primary = "";
  client.on("commandStarted", (e) => {
    if (e.databaseName !== dbName) return;
    const where = e.address === primary ? "primary" : "secondary";
    onServer[where]++;
    if (e.commandName === "aggregate") analytics[where]++;
  });
  await client.connect();
  primary = String((await client.db("admin").command({ hello: 1 })).primary);
  const db = client.db(dbName);
  const profiles = await seedProfiles(db, 3000);
  for (let i = 0; i < 100 && (secondaries === 0 || (await db.collection("profiles").countDocuments({}, { readPreference: "secondary" })) < profiles.length); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }

  const app = createApp({ client, dbName });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  onServer.primary = onServer.secondary = analytics.primary = analytics.secondary = 0;
  let stale = 0;

  // One "block" is 10 requests; 10 run concurrently, 100 blocks in all = 1,000 requests.
  const block = async (n: number) => {
    const mine = profiles[n % profiles.length]!._id.toHexString();
    const bio = `bench ${n} ${Date.now()}`;
    const patch = await fetch(`${base}/profiles/${mine}`, { method: "PATCH", headers: json, body: JSON.stringify({ bio }) });
    const cookies = patch.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    await patch.arrayBuffer();
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${base}/profiles/${mine}`, { headers: cookies ? { cookie: cookies } : {} });
      if (((await res.json()) as { bio?: string }).bio !== bio) stale++;
    }
    for (let i = 0; i < 6; i++) {
      await (await fetch(`${base}/profiles/${profiles[(n * 7 + i + 1000) % profiles.length]!._id.toHexString()}`)).arrayBuffer();
    }
    await (await fetch(`${base}/analytics/signups?from=2026-09-01&to=2026-10-31`)).arrayBuffer();
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < 100) await block(next++);
    }),
  );

  server.closeAllConnections();
  server.close();
  await db.dropDatabase().catch(() => {});
  await client.close();
  const totalAnalytics = analytics.primary + analytics.secondary;
  ctx.log(`commands: ${onServer.primary} on the primary, ${onServer.secondary} on secondaries; stale reads after own write: ${stale}`);
  return [
    { name: "analytics reads served by secondaries", value: totalAnalytics ? (100 * analytics.secondary) / totalAnalytics : 0, unit: "%", better: "higher" },
    { name: "commands on the primary per 1,000 mixed requests", value: onServer.primary, unit: "commands", better: "lower" },
    { name: "stale reads a writer saw (of 200 reads right after a PATCH)", value: stale, unit: "reads", better: "lower" },
  ];
};

export default scenario;
