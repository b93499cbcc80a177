import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { MongoClient, type CommandStartedEvent } from "mongodb";
import { labServices } from "#kit/testing/index.ts";
import { createApp } from "../src/app.ts";
import { seedProfiles, type Profile } from "../src/seed.ts";

/** One command the driver sent, and which server it went to. */
export interface SentCommand {
  name: string;
  collection: unknown;
  address: string;
}

/** Everything a test needs to see where reads go. */
export interface ReplicaSetFixture {
  client: MongoClient;
  dbName: string;
  profiles: Profile[];
  primary: string;
  /** Commands sent to the test database so far (handshakes and monitoring excluded). */
  commands: SentCommand[];
  /** Start an app on a free port, sharing the monitored client. */
  startApp(options?: { readYourWritesWindowMs?: number }): Promise<{ url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

const normalise = (address: string) => address.toLowerCase().replace(/^localhost:/, "127.0.0.1:");

/**
 * Connect a MongoClient with command monitoring on, wait until the driver knows the secondaries,
 * seed profiles and wait until the secondaries have them.
 */
export async function replicaSetFixture(): Promise<ReplicaSetFixture> {
  const { mongoUrl, namespace } = await labServices(["mongo-replset"]);
  // Every member counts as near (localThresholdMS): the driver then picks at random among the members a
  // read preference allows, so one that allows the primary (nearest) really lands there now and then. With
  // the default 15 ms, a loaded machine's uneven heartbeat times could leave the primary out of the window
  // for a whole test.
  const client = new MongoClient(mongoUrl, { monitorCommands: true, serverSelectionTimeoutMS: 10_000, localThresholdMS: 60_000 });
  const secondariesSeen = new Set<string>();
  client.on("serverDescriptionChanged", (event) => {
    if (event.newDescription.type === "RSSecondary") secondariesSeen.add(event.address);
  });
  const commands: SentCommand[] = [];
  client.on("commandStarted", (event: CommandStartedEvent) => {
    if (event.databaseName !== namespace) return;
    commands.push({ name: event.commandName, collection: event.command[event.commandName], address: normalise(event.address) });
  });
  await client.connect();
  const hello = await client.db("admin").command({ hello: 1 });
  if (typeof hello.setName !== "string" || typeof hello.primary !== "string") {
    await client.close();
    throw new Error(`these tests need a replica set, but ${mongoUrl} is not one (hello has no setName/primary). Run them with "npm run lab -- test 04".`);
  }
  await until(() => secondariesSeen.size > 0, 10_000, "the driver to discover a secondary");

  const db = client.db(namespace);
  const profiles = await seedProfiles(db);
  // Seeding went to the primary; wait until a secondary has replicated all of it.
  await until(
    async () => (await db.collection("profiles").countDocuments({}, { readPreference: "secondary" })) === profiles.length,
    15_000,
    "the secondaries to replicate the seeded profiles",
  );
  commands.length = 0;

  const servers: Server[] = [];
  return {
    client,
    dbName: namespace,
    profiles,
    primary: normalise(hello.primary),
    commands,
    async startApp(options = {}) {
      const app = createApp({ client, dbName: namespace, ...options });
      const server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, "127.0.0.1", () => resolve(s));
      });
      servers.push(server);
      const { port } = server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
    },
    async close() {
      await Promise.all(servers.map(closeServer));
      await client.db(namespace).dropDatabase().catch(() => {});
      await client.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Poll `condition` until it holds, or fail naming what we waited for. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The reads (find/aggregate/...) recorded since index `from`, optionally for one command name. */
export function readsSince(commands: readonly SentCommand[], from: number, name?: string): SentCommand[] {
  const readNames = new Set(["find", "aggregate", "count", "distinct", "getMore"]);
  return commands.slice(from).filter((c) => readNames.has(c.name) && (name === undefined || c.name === name));
}

/**
 * A minimal cookie jar: remembers name=value from Set-Cookie and sends it back, deliberately
 * ignoring Max-Age and Expires — a client may keep a cookie longer than asked, so the server
 * must check the write time itself.
 */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0] ?? "";
      const eq = pair.indexOf("=");
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ") };
  }
  get size(): number {
    return this.cookies.size;
  }
}

/** One Set-Cookie header, parsed strictly: attribute names lower-cased, flags as true. */
export interface SetCookie {
  name: string;
  value: string;
  attributes: Map<string, string | true>;
  raw: string;
}

/**
 * Parse every Set-Cookie header of a response without forgiving anything: the tests compare the
 * attributes themselves (Max-Age, Path, HttpOnly, SameSite), which a cookie jar would ignore.
 */
export function setCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map((raw) => {
    const [pair = "", ...parts] = raw.split(";");
    const eq = pair.indexOf("=");
    const attributes = new Map<string, string | true>();
    for (const part of parts) {
      const trimmed = part.trim();
      if (!trimmed) continue;
      const at = trimmed.indexOf("=");
      const key = (at < 0 ? trimmed : trimmed.slice(0, at)).trim().toLowerCase();
      if (attributes.has(key)) attributes.set(`${key} (repeated)`, true);
      attributes.set(key, at < 0 ? true : trimmed.slice(at + 1).trim());
    }
    return { name: eq < 0 ? pair.trim() : pair.slice(0, eq).trim(), value: eq < 0 ? "" : pair.slice(eq + 1).trim(), attributes, raw };
  });
}

/** Where each find/aggregate since `from` went, as "primary"/"secondary", for failure messages. */
export function describeTargets(commands: readonly SentCommand[], from: number, primary: string, name?: string): string {
  return readsSince(commands, from, name).map((c) => (c.address === primary ? "primary" : "secondary")).join(", ") || "nowhere";
}
