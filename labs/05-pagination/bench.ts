// npm run lab -- bench 05
// Seeds 20,000 messages, then times page 1 against a page 10,000 messages deep, through the
// app under test (offset paging in the starter, cursors once step 4 is done) and, as a fixed
// reference, straight against MongoDB with the same index for both strategies. Also reads the
// documents each query examined from explain("executionStats") where the backend reports it.
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { MongoClient, type Collection, type CommandStartedEvent, type Db, type Document } from "mongodb";
import { median, type BenchContext, type BenchFigure } from "#kit/testing/index.ts";
import type { createApp as CreateApp } from "./src/app.ts";
import { makeMessages } from "./src/seed.ts";
import type { MessageDoc } from "./src/model.ts";

const TOTAL = 20_000;
const DEPTH = 10_000;
const PAGE = 20;
const ROUNDS = 9;

async function insertAll(collection: Collection<MessageDoc>, docs: MessageDoc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 1000) await collection.insertMany(docs.slice(i, i + 1000), { ordered: false });
}

interface Examined {
  docs: number;
  keys: number;
}

/** What explain("executionStats") says a find examined, or undefined when the backend does not report it. */
async function examined(db: Db, find: Document | undefined): Promise<Examined | undefined> {
  if (!find) return undefined;
  const { find: collection, filter, sort, skip, limit, hint } = find;
  try {
    const explained = await db.command({
      explain: { find: collection, filter, sort, skip, limit, ...(hint ? { hint } : {}) },
      verbosity: "executionStats",
    });
    const stats = explained.executionStats as Document | undefined;
    const docs = stats?.totalDocsExamined;
    const keys = stats?.totalKeysExamined;
    return typeof docs === "number" && typeof keys === "number" ? { docs, keys } : undefined;
  } catch {
    return undefined;
  }
}

function examinedFigures(label: string, result: Examined): BenchFigure[] {
  return [
    { name: `${label}: documents examined`, value: result.docs, unit: "docs", better: "lower" },
    { name: `${label}: index keys examined`, value: result.keys, unit: "keys", better: "lower" },
  ];
}

/** Median ms of `first` and `deep`, timed alternately so background load hits both alike. */
async function timePair(first: () => Promise<unknown>, deep: () => Promise<unknown>): Promise<{ first: number; deep: number }> {
  await first();
  await deep();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    await first();
    a.push(performance.now() - t);
    t = performance.now();
    await deep();
    b.push(performance.now() - t);
  }
  return { first: median(a), deep: median(b) };
}

export default async function bench(ctx: BenchContext): Promise<BenchFigure[]> {
  const client = new MongoClient(ctx.env.MONGO_URL ?? "", { monitorCommands: true });
  await client.connect();
  const db = client.db(ctx.env.WORKBOOK_NS ?? "wb_bench_05");
  const figures: BenchFigure[] = [];
  let server: import("node:http").Server | undefined;
  try {
    ctx.log(`seeding ${TOTAL.toLocaleString("en")} messages`);
    const docs = makeMessages({ count: TOTAL, seed: 2026 });
    await insertAll(db.collection<MessageDoc>("messages"), docs);

    // The app under test, in this process so we can see the commands it sends.
    const appModule = (await import(pathToFileURL(path.join(ctx.appDir, "src/app.ts")).href)) as { createApp: typeof CreateApp };
    const app = await appModule.createApp({ db, cursorSecret: "bench-secret" });
    const listening: import("node:http").Server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    server = listening;
    const base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/messages`;
    const getPage = async (query: string) => (await (await fetch(`${base}?${query}`)).json()) as { items?: unknown[]; next?: unknown };

    const first = await getPage(`limit=${PAGE}`);
    const cursorMode = typeof first.next === "string";
    let deepQuery = `page=${DEPTH / PAGE + 1}&limit=${PAGE}`;
    if (cursorMode) {
      let next = first.next as string | null;
      // Walk to position 10,000 in pages of 100 (the server's maximum).
      let query = "limit=100";
      for (let seen = 0; seen < DEPTH; seen += 100) {
        next = (await getPage(query)).next as string | null;
        if (!next) break;
        query = `after=${encodeURIComponent(next)}&limit=100`;
      }
      deepQuery = `after=${encodeURIComponent(next ?? "")}&limit=${PAGE}`;
    }
    ctx.log(`the app pages with ${cursorMode ? "cursors (?after=)" : "offsets (?page=)"}; deep page: ${DEPTH.toLocaleString("en")} messages in`);

    const api = await timePair(() => getPage(`limit=${PAGE}`), () => getPage(deepQuery));
    figures.push(
      { name: "app: page 1, median", value: api.first, unit: "ms", better: "lower" },
      { name: "app: page 10,000 deep, median", value: api.deep, unit: "ms", better: "lower" },
      { name: "app: deep page ÷ page 1 time", value: api.deep / api.first, unit: "×", better: "lower" },
    );

    // Which commands one request sends, and how many documents its find examined.
    const commands: CommandStartedEvent[] = [];
    client.on("commandStarted", (event) => commands.push(event));
    for (const [label, query] of [["page 1", `limit=${PAGE}`], ["deep page", deepQuery]] as const) {
      commands.length = 0;
      await getPage(query);
      const result = await examined(db, commands.find((c) => c.commandName === "find")?.command);
      const fullCounts = commands.filter((c) => c.commandName === "aggregate" && JSON.stringify(c.command.pipeline ?? []).includes("$group")).length;
      if (result === undefined) ctx.log(`app ${label}: documents examined n/a (the backend does not report executionStats)`);
      else figures.push(...examinedFigures(`app, ${label}`, result));
      if (label === "deep page") figures.push({ name: "app: exact counts per request", value: fullCounts, unit: "counts", better: "lower" });
    }
    client.removeAllListeners("commandStarted");

    // Reference: both strategies straight against MongoDB, with the index in place for both.
    const reference = db.collection<MessageDoc>("messages_reference");
    await insertAll(reference, docs);
    await reference.createIndex({ createdAt: -1, _id: -1 });
    const sort = { createdAt: -1, _id: -1 } as const;
    const anchor = (await reference.find({}).sort(sort).skip(DEPTH - 1).limit(1).toArray())[0]!;
    const keysetFilter = { createdAt: { $lte: anchor.createdAt }, $or: [{ createdAt: { $lt: anchor.createdAt } }, { _id: { $lt: anchor._id } }] };
    const offset = await timePair(
      () => reference.find({}).sort(sort).limit(PAGE).toArray(),
      () => reference.find({}).sort(sort).skip(DEPTH).limit(PAGE).toArray(),
    );
    const keyset = await timePair(
      () => reference.find({}).sort(sort).limit(PAGE).toArray(),
      () => reference.find(keysetFilter).sort(sort).limit(PAGE).toArray(),
    );
    figures.push(
      { name: "reference, offset + index: deep ÷ page 1 time", value: offset.deep / offset.first, unit: "×", better: "lower" },
      { name: "reference, cursor + index: deep ÷ page 1 time", value: keyset.deep / keyset.first, unit: "×", better: "lower" },
    );
    const offsetExamined = await examined(db, { find: reference.collectionName, filter: {}, sort, skip: DEPTH, limit: PAGE });
    const keysetExamined = await examined(db, { find: reference.collectionName, filter: keysetFilter, sort, limit: PAGE });
    if (!offsetExamined || !keysetExamined) ctx.log("reference, documents examined: n/a (the backend does not report executionStats)");
    else figures.push(...examinedFigures("reference, offset + index, deep page", offsetExamined), ...examinedFigures("reference, cursor + index, deep page", keysetExamined));
    return figures;
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
    }
    await db.dropDatabase().catch(() => {});
    await client.close();
  }
}
