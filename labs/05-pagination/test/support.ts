// Shared set-up for this lab's tests: the app in this process (so the test can watch every
// command it sends to MongoDB), a database of its own, and small HTTP helpers.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { MongoClient, type CommandStartedEvent, type Db, type Collection } from "mongodb";
import { labServices } from "#kit/testing/index.ts";
import { createApp } from "../src/app.ts";
import { messagesCollection, type MessageDoc } from "../src/model.ts";

export const TEST_SECRET = "test-secret-for-lab-05";

export interface Reply {
  status: number;
  contentType: string;
  body: unknown;
  text: string;
}

export interface TestApp {
  url: string;
  db: Db;
  messages: Collection<MessageDoc>;
  /** Every command the app's MongoDB client has started; clear it with commands.length = 0. */
  commands: CommandStartedEvent[];
  /** GET /messages with a raw query string (without the "?"). */
  get(query?: string): Promise<Reply>;
  close(): Promise<void>;
}

let counter = 0;

/** A database name of this test file's own. */
export async function freshDbName(): Promise<string> {
  const { namespace } = await labServices(["mongo"]);
  return `${namespace}_${++counter}`;
}

/** Start the app against a fresh database; `seed` runs before the app starts (like data already in production). */
export async function startTestApp(
  options: { secret?: string; dbName?: string; seed?: (messages: Collection<MessageDoc>) => Promise<unknown> } = {},
): Promise<TestApp> {
  const { mongoUrl, namespace } = await labServices(["mongo"]);
  const client = new MongoClient(mongoUrl, { monitorCommands: true });
  await client.connect();
  const commands: CommandStartedEvent[] = [];
  client.on("commandStarted", (event) => commands.push(event));
  // Each app gets its own database unless the test shares one between two apps on purpose.
  const db = client.db(options.dbName ?? `${namespace}_${++counter}`);
  const messages = messagesCollection(db);
  if (options.seed) await options.seed(messages);

  const app = await createApp({ db, cursorSecret: options.secret ?? TEST_SECRET });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ownsDb = !options.dbName;

  return {
    url,
    db,
    messages,
    commands,
    get: (query = "") => getJson(`${url}/messages${query ? `?${query}` : ""}`),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // keep-alive sockets from fetch would hold close() open
      await closed;
      if (ownsDb) await db.dropDatabase().catch(() => {});
      await client.close();
    },
  };
}

export async function getJson(url: string): Promise<Reply> {
  const response = await fetch(url);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", body, text };
}

export interface Page {
  items: { id: string; createdAt: string; author: string; text: string }[];
  next: string | null;
  estimatedTotal: number;
}

/** The body of a successful page, with a failure message that shows what came back instead. */
export function asPage(reply: Reply, what: string): Page {
  if (reply.status !== 200) throw new Error(`${what}: expected 200, got ${reply.status} ${reply.text.slice(0, 300)}`);
  const body = reply.body as Partial<Page> | undefined;
  if (!body || !Array.isArray(body.items)) throw new Error(`${what}: expected a JSON body with an items array, got ${reply.text.slice(0, 300)}`);
  if (!("next" in body) || (body.next !== null && typeof body.next !== "string")) {
    throw new Error(`${what}: expected "next" to be a cursor string or null, got ${JSON.stringify(body.next)} (keys: ${Object.keys(body).join(", ")})`);
  }
  return body as Page;
}

/** Assert a 400 whose body is JSON with a non-empty "error" string. */
export function isJson400(reply: Reply): boolean {
  const body = reply.body as { error?: unknown } | undefined;
  return reply.status === 400 && reply.contentType.includes("application/json") && typeof body?.error === "string" && body.error.length > 0;
}

export function describeReply(reply: Reply): string {
  return `${reply.status} ${reply.text.slice(0, 200)}`;
}

/** Compare two messages in page order: newest first, then larger _id first. */
export function pageOrder(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number {
  const byTime = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  return byTime !== 0 ? byTime : b.id < a.id ? -1 : b.id > a.id ? 1 : 0;
}

export interface Walk {
  pages: Page[];
  items: Page["items"];
}

/**
 * Follow `next` from the first page until it is null. `between` runs after each page (to insert
 * messages mid-walk). Stops with a clear error after maxPages, in case `next` never becomes null.
 */
export async function walkPages(
  app: TestApp,
  limit: number,
  maxPages: number,
  between?: (pageNumber: number) => Promise<void>,
): Promise<Walk> {
  const pages: Page[] = [];
  let query = `limit=${limit}`;
  for (let n = 1; ; n++) {
    if (n > maxPages) {
      throw new Error(`expected the walk to end (next: null) within ${maxPages} pages of ${limit}; it was still going after ${pages.length} pages`);
    }
    const page = asPage(await app.get(query), `page ${n} of the walk (GET /messages?${query.slice(0, 80)})`);
    pages.push(page);
    if (page.next === null) break;
    if (between) await between(n);
    query = `after=${encodeURIComponent(page.next)}&limit=${limit}`;
  }
  return { pages, items: pages.flatMap((p) => p.items) };
}

/** Problems with a walk over `expected`: repeats, missing messages, and order breaks (first few of each). */
export function walkProblems(walk: Walk, expectedIds: ReadonlySet<string>, limit: number): string[] {
  const problems: string[] = [];
  const seenOnPage = new Map<string, number>();
  const repeats: string[] = [];
  walk.pages.forEach((page, index) => {
    for (const item of page.items) {
      const earlier = seenOnPage.get(item.id);
      if (earlier !== undefined) repeats.push(`${item.id} (pages ${earlier + 1} and ${index + 1})`);
      else seenOnPage.set(item.id, index);
    }
  });
  if (repeats.length) problems.push(`${repeats.length} message(s) appeared twice, e.g. ${repeats.slice(0, 3).join(", ")}`);
  const missing = [...expectedIds].filter((id) => !seenOnPage.has(id));
  if (missing.length) {
    problems.push(`${missing.length} of the ${expectedIds.size} seeded messages never appeared, e.g. ${missing.slice(0, 3).join(", ")}`);
  }
  for (let i = 1; i < walk.items.length; i++) {
    const [a, b] = [walk.items[i - 1]!, walk.items[i]!];
    if (pageOrder(a, b) > 0) {
      problems.push(
        `the order broke at item ${i + 1} (page ${Math.floor(i / limit) + 1}): ${b.createdAt} ${b.id} came after ${a.createdAt} ${a.id}; expected newest first, larger _id first on equal createdAt`,
      );
      break;
    }
  }
  return problems;
}
