/**
 * A replica set of our own whose secondaries a test can take away. It is built from the kit's
 * stand-in members (the lab's shared replica set may be the compose one, which a test must not
 * stop), and it is used only to see what the app does when no secondary answers.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { MongoClient, type CommandStartedEvent } from "mongodb";
import { MemberServer } from "#kit/mongo-standin/server.ts";
import { ReplicaSet } from "#kit/mongo-standin/replication.ts";
import { createApp } from "../src/app.ts";
import { seedProfiles, type Profile } from "../src/seed.ts";
import { until, type SentCommand } from "./helpers.ts";

export interface LostSecondaries {
  url: string;
  profiles: Profile[];
  primary: string;
  commands: SentCommand[];
  /** Close both secondaries and wait until the driver has seen them go. */
  loseSecondaries(): Promise<void>;
  close(): Promise<void>;
}

/** Selecting a server gives up after this long, so a read that insists on a secondary fails fast. */
export const serverSelectionTimeoutMS = 1500;

export async function lostSecondariesFixture(dbName: string): Promise<LostSecondaries> {
  const set = new ReplicaSet("rs_lost", 50);
  const members: MemberServer[] = [];
  for (let i = 0; i < 3; i++) members.push(await MemberServer.listen("127.0.0.1", 0, set.stores[i]!, set.members[i]!));
  set.hosts = members.map((m) => `127.0.0.1:${m.port}`);
  const client = new MongoClient(`mongodb://${set.hosts.join(",")}/?replicaSet=rs_lost`, { monitorCommands: true, serverSelectionTimeoutMS, heartbeatFrequencyMS: 500 });
  const secondaries = new Set<string>();
  client.on("serverDescriptionChanged", (event) => {
    if (event.newDescription.type === "RSSecondary") secondaries.add(event.address);
    else secondaries.delete(event.address);
  });
  const commands: SentCommand[] = [];
  client.on("commandStarted", (event: CommandStartedEvent) => {
    if (event.databaseName === dbName) commands.push({ name: event.commandName, collection: event.command[event.commandName], address: event.address });
  });
  await client.connect();
  await until(() => secondaries.size === 2, 10_000, "the driver to discover both secondaries of the test's own replica set");
  const profiles = await seedProfiles(client.db(dbName), 200);
  const app = createApp({ client, dbName });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    profiles,
    primary: set.hosts[0]!,
    commands,
    async loseSecondaries() {
      await Promise.all(members.slice(1).map((m) => m.close()));
      await until(() => secondaries.size === 0, 15_000, "the driver to notice that both secondaries are gone");
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close().catch(() => {});
      set.close();
      await Promise.all(members.map((m) => m.close().catch(() => {})));
    },
  };
}
