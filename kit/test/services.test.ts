import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { MongoClient } from "mongodb";
import { getFreePort } from "../services/ports.ts";
import { NoMongoError, NoRedisError, newNamespace, resolveMongo, resolveRedis, resolveServices, startPrivateRedis } from "../services/index.ts";
import { redisAnswers } from "../services/redis.ts";

const closedUrl = async (scheme: string) => `${scheme}://127.0.0.1:${await getFreePort()}`;

describe("Redis resolution order", () => {
  const cleanup: (() => Promise<void>)[] = [];
  after(async () => {
    for (const stop of cleanup) await stop();
  });

  test("1. REDIS_URL wins, without probing anything", async () => {
    const resolved = await resolveRedis({ env: { REDIS_URL: "redis://example.invalid:1" }, defaultUrl: "redis://127.0.0.1:1" });
    assert.equal(resolved.url, "redis://example.invalid:1");
    assert.match(resolved.backend, /REDIS_URL/);
  });

  test("2. the compose default, when it answers PING", async () => {
    const running = await startPrivateRedis();
    cleanup.push(running.stop);
    const resolved = await resolveRedis({ env: {}, defaultUrl: running.url });
    assert.equal(resolved.url, running.url);
    assert.match(resolved.backend, /compose default/);
  });

  test("3. a private redis-server on a free port when nothing answers, stopped afterwards", async () => {
    const resolved = await resolveRedis({ env: {}, defaultUrl: await closedUrl("redis") });
    assert.match(resolved.backend, /private redis-server/);
    assert.ok(await redisAnswers(resolved.url), "the private redis-server should answer PING");
    await resolved.stop();
    assert.equal(await redisAnswers(resolved.url), false, "stop() should shut the private redis-server down");
  });

  test("4. otherwise a clear error naming all three ways to get Redis", async () => {
    await assert.rejects(resolveRedis({ env: {}, defaultUrl: await closedUrl("redis"), redisServer: "no-such-redis-server-binary" }), (error: Error) => {
      assert.ok(error instanceof NoRedisError);
      assert.match(error.message, /REDIS_URL/);
      assert.match(error.message, /docker compose up -d redis/);
      assert.match(error.message, /install redis-server/);
      return true;
    });
  });
});

describe("MongoDB resolution order", () => {
  test("1. MONGO_URL wins", async () => {
    const resolved = await resolveMongo({ env: { MONGO_URL: "mongodb://user:secret@db.invalid:27017" }, defaultUrl: "mongodb://127.0.0.1:1" });
    assert.equal(resolved.url, "mongodb://user:secret@db.invalid:27017");
    assert.doesNotMatch(resolved.backend, /secret/, "a password must not be printed");
  });

  test("2. the compose replica set, when it answers", async () => {
    const { startMongoStandin } = await import("../mongo-standin/index.ts");
    const running = await startMongoStandin();
    try {
      const resolved = await resolveMongo({ env: {}, defaultUrl: running.uri });
      assert.equal(resolved.url, running.uri);
      assert.match(resolved.backend, /compose/);
    } finally {
      await running.close();
    }
  });

  test("3. the embedded stand-in when the compose replica set does not answer, in replica-set mode on request", async () => {
    for (const replicaSet of [false, true]) {
      const resolved = await resolveMongo({ env: {}, defaultUrl: `${await closedUrl("mongodb")}/?serverSelectionTimeoutMS=200`, replicaSet, lagMs: 50 });
      try {
        assert.match(resolved.backend, /stand-in/);
        assert.equal(resolved.url.includes("replicaSet=rs0"), replicaSet);
        const client = new MongoClient(resolved.url, { serverSelectionTimeoutMS: 5000 });
        await client.db("kit_test").collection("c").insertOne({ ok: 1 });
        assert.equal(await client.db("kit_test").collection("c").countDocuments(), 1);
        await client.close();
      } finally {
        await resolved.stop();
      }
    }
  });

  test("4. a clear error naming all three ways when nothing answers and the stand-in is off", async () => {
    await assert.rejects(resolveMongo({ env: {}, defaultUrl: `${await closedUrl("mongodb")}/?serverSelectionTimeoutMS=200`, embedded: false }), (error: Error) => {
      assert.ok(error instanceof NoMongoError);
      assert.match(error.message, /MONGO_URL/);
      assert.match(error.message, /docker compose up/);
      assert.match(error.message, /stand-in/);
      return true;
    });
  });
});

describe("a run's services", () => {
  test("each run gets a fresh namespace, passed to the tests as WORKBOOK_NS", async () => {
    assert.notEqual(newNamespace(), newNamespace());
    const services = await resolveServices(["redis"], { REDIS_URL: "redis://127.0.0.1:6390" });
    assert.equal(services.env.REDIS_URL, "redis://127.0.0.1:6390");
    assert.match(services.env.WORKBOOK_NS ?? "", /^wb_[0-9a-f]{10}$/);
    assert.equal(services.env.MONGO_URL, undefined, "a lab that does not ask for MongoDB gets none");
    await services.stop();
  });
});
