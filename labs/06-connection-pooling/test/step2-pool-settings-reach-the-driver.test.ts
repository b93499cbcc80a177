// The pool settings from the environment must reach the driver with the same numbers and the
// same unit (milliseconds). This test builds the Database in this process and reads the options
// of the MongoClient it actually connects: the value stored, not just that something was set.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { MongoClient } from "mongodb";
import { labServices } from "#kit/testing/index.ts";
import { loadConfig } from "../src/config.ts";
import { createDatabase, type Database } from "../src/db.ts";

// Record every client that connects (explicitly, or by the driver's automatic connect).
const connected = new Set<MongoClient>();
const realConnect = MongoClient.prototype.connect;
MongoClient.prototype.connect = function (this: MongoClient) {
  connected.add(this);
  return realConnect.call(this);
};

const { mongoUrl, namespace } = await labServices(["mongo"]);
const opened: Database[] = [];
after(async () => {
  await Promise.all(opened.map((db) => db.close().catch(() => {})));
  MongoClient.prototype.connect = realConnect;
});

async function clientFor(env: Record<string, string>): Promise<MongoClient> {
  connected.clear();
  const database = createDatabase(loadConfig({ MONGO_URL: mongoUrl, WORKBOOK_NS: namespace, ...env }));
  opened.push(database);
  await database.withDb((db) => db.command({ ping: 1 }));
  await database.withDb((db) => db.command({ ping: 1 }));
  const clients = [...connected];
  assert.equal(clients.length, 1, `expected createDatabase to connect exactly one MongoClient for two operations; ${clients.length} connected`);
  return clients[0]!;
}

describe("the pool settings reach the MongoClient unchanged", () => {
  it("values from the environment, in milliseconds where the name says MS", async () => {
    const client = await clientFor({
      MONGO_MAX_POOL_SIZE: "7",
      MONGO_MIN_POOL_SIZE: "3",
      MONGO_SERVER_SELECTION_TIMEOUT_MS: "1500",
      MONGO_MAX_IDLE_TIME_MS: "45000",
    });
    const { maxPoolSize, minPoolSize, serverSelectionTimeoutMS, maxIdleTimeMS } = client.options;
    assert.deepEqual(
      { maxPoolSize, minPoolSize, serverSelectionTimeoutMS, maxIdleTimeMS },
      { maxPoolSize: 7, minPoolSize: 3, serverSelectionTimeoutMS: 1500, maxIdleTimeMS: 45000 },
      "expected the client's options to hold exactly the configured numbers (pass config.pool to new MongoClient; no unit conversion)",
    );
  });

  it("the defaults when nothing is set: pool 20, minimum 2, selection timeout 2,000 ms, idle 60,000 ms", async () => {
    // Another Database with other settings first: each must get a client built from its own configuration.
    await clientFor({ MONGO_MAX_POOL_SIZE: "5" });
    const client = await clientFor({});
    const { maxPoolSize, minPoolSize, serverSelectionTimeoutMS, maxIdleTimeMS } = client.options;
    assert.deepEqual(
      { maxPoolSize, minPoolSize, serverSelectionTimeoutMS, maxIdleTimeMS },
      { maxPoolSize: 20, minPoolSize: 2, serverSelectionTimeoutMS: 2000, maxIdleTimeMS: 60000 },
      "expected the README's defaults to reach the client (the driver's own defaults are 100, 0, 30,000 and 0)",
    );
  });
});
