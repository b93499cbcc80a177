// The MongoDB governor: an operations budget per member, enforced on the wire in front of the stand-in.
// Times are asserted only as lower bounds (the budget makes them so; load only makes them longer).
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BSON } from "bson";
import { MongoClient, MongoServerError, type MongoClientOptions } from "mongodb";
import { spawnTied } from "../lifecycle.ts";
import { FrameSplitter, MORE_TO_COME, OP_MSG, OP_QUERY, encodeReply } from "../mongo-standin/framing.ts";
import { startMongoStandin, type MongoStandin } from "../mongo-standin/index.ts";
import { MemberBudget } from "../services/mongo-governor-budget.ts";
import { helloWithoutCompression, readHeader, rewriteHelloReply } from "../services/mongo-governor-wire.ts";
import { startMongoGovernor, type GovernorStats, type MongoGovernor, type MongoGovernorOptions } from "../services/index.ts";
import { getFreePort } from "../services/ports.ts";

const quick: MongoClientOptions = { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 };

/** Runs `body` with a governor in front of `upstream` and a client of it; closes both whatever happens. */
async function withGovernor(options: MongoGovernorOptions, clientOptions: MongoClientOptions, body: (governor: MongoGovernor, client: MongoClient) => Promise<void>): Promise<void> {
  const governor = await startMongoGovernor(options);
  const client = new MongoClient(governor.uri, { ...quick, ...clientOptions });
  try {
    await body(governor, client);
  } finally {
    await client.close();
    await governor.close();
  }
}

/** Polls until the process holds no TCP socket or server (closing handles take a loop turn or two). */
async function tcpHandles(): Promise<string[]> {
  for (let i = 0; i < 40; i++) {
    const left = process.getActiveResourcesInfo().filter((r) => r.startsWith("TCP"));
    if (left.length === 0 || i === 39) return left;
    await sleep(50);
  }
  return [];
}

describe("the MongoDB governor on a single stand-in server", () => {
  let standin: MongoStandin;
  before(async () => (standin = await startMongoStandin()));
  after(() => standin.close());

  test("slows a client over its budget: 160 concurrent finds at 50 ops/s, burst 10, take (160 - 10) / 50 s and 150 wait", async () => {
    // Every find gets a ready connection of its own before the clock starts (pings are not counted), so the
    // 160 arrive together, as 160 concurrent requests from an app's warm pool would.
    await withGovernor({ upstream: standin.uri, opsPerSecond: 50, burst: 10 }, { maxPoolSize: 160, maxConnecting: 160 }, async (governor, client) => {
      let ready = 0;
      client.on("connectionReady", () => ready++);
      await Promise.all(Array.from({ length: 160 }, () => client.db("admin").command({ ping: 1 })));
      for (let i = 0; i < 400 && ready < 160; i++) await sleep(50);
      assert.equal(ready, 160, "the pool did not open 160 connections");
      const items = client.db("gov").collection("items");
      const started = performance.now();
      await Promise.all(Array.from({ length: 160 }, (_, i) => items.findOne({ i })));
      const elapsed = performance.now() - started;
      const { total } = governor.stats();
      assert.ok(elapsed >= 3000 - 50, `160 finds at 50/s with a burst of 10 took only ${Math.round(elapsed)} ms`);
      assert.equal(total.operations, 160);
      assert.deepEqual(total.byCommand, { find: 160 });
      assert.ok(total.waited >= 150, `only ${total.waited} of 160 finds waited`);
      assert.ok(total.maxWaitMs >= 2900, `the longest wait was ${Math.round(total.maxWaitMs)} ms`);
      assert.equal(total.queued, 0);
      assert.equal(total.shed, 0);
    });
  });

  test("a client well under its budget never waits: 10 finds 110 ms apart at 100 ops/s", async () => {
    await withGovernor({ upstream: standin.uri, opsPerSecond: 100, burst: 1 }, {}, async (governor, client) => {
      for (let i = 0; i < 10; i++) {
        await client.db("gov").collection("items").findOne({ i });
        await sleep(110);
      }
      const { total } = governor.stats();
      assert.equal(total.byCommand.find, 10);
      assert.equal(total.waited, 0);
      assert.equal(total.totalWaitMs, 0);
    });
  });

  test("handshake and monitoring traffic is not counted; a command that fails upstream counts once", async () => {
    await withGovernor({ upstream: standin.uri, opsPerSecond: 1000 }, { heartbeatFrequencyMS: 500 }, async (governor, client) => {
      await client.connect();
      await client.db("admin").command({ ping: 1 });
      await sleep(600); // a heartbeat or two
      let { total } = governor.stats();
      assert.equal(total.operations, 0, `counted ${JSON.stringify(total.byCommand)}`);
      assert.ok((total.exempt.ismaster ?? 0) + (total.exempt.hello ?? 0) >= 2, `hellos seen: ${JSON.stringify(total.exempt)}`);
      assert.equal(total.exempt.ping, 1);

      const items = client.db("gov").collection("dup");
      await items.insertOne({ _id: 1 } as never);
      await assert.rejects(items.insertOne({ _id: 1 } as never), (err: MongoServerError) => err.code === 11000);
      total = governor.stats().total;
      assert.deepEqual(total.byCommand, { insert: 2 });
      governor.reset();
      assert.deepEqual(governor.stats().total.byCommand, {});
    });
  });

  test("past maxWaitMs an operation is shed at once with MongoDB's overload error, labelled for the driver's backpressure retries", async () => {
    // Slots 1 s apart: the first find starts at once, the second waits 1 s, the third would wait 2 s, over
    // 1.5 s. The finds go out on warm connections of their own, so they arrive within a few ms of each
    // other; they would have to be spread over half a second for the counts below to change.
    await withGovernor({ upstream: standin.uri, opsPerSecond: 1, burst: 1, maxWaitMs: 1500 }, { retryReads: false, maxPoolSize: 5, maxConnecting: 5 }, async (governor, client) => {
      let ready = 0;
      client.on("connectionReady", () => ready++);
      await Promise.all(Array.from({ length: 5 }, () => client.db("admin").command({ ping: 1 })));
      for (let i = 0; i < 100 && ready < 5; i++) await sleep(50);
      assert.equal(ready, 5, "the pool did not open 5 connections");
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.db("gov").collection("items").findOne({})));
      const shed = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as MongoServerError);
      assert.equal(shed.length, 3);
      for (const err of shed) {
        assert.equal(err.code, 462);
        assert.ok(err.hasErrorLabel("SystemOverloadedError") && err.hasErrorLabel("RetryableError"), `labels: ${err.errorLabels}`);
      }
      const { total } = governor.stats();
      assert.equal(total.operations, 2);
      assert.equal(total.shed, 3);
    });
  });

  test("when the upstream is down, a client's connection fails as against a dead server", async () => {
    const own = await startMongoStandin();
    await withGovernor({ upstream: own.uri, opsPerSecond: 100 }, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 }, async (_governor, client) => {
      await own.close();
      await assert.rejects(client.connect(), /closed/);
    });
  });
});

describe("the MongoDB governor in front of the stand-in's replica set", () => {
  let standin: MongoStandin;
  let governor: MongoGovernor;
  let client: MongoClient;
  before(async () => {
    standin = await startMongoStandin({ replicaSet: { name: "rs0", lagMs: 20 } });
    governor = await startMongoGovernor({ upstream: standin.uri, opsPerSecond: 1000 });
    client = new MongoClient(governor.uri, quick);
  });
  after(async () => {
    await client.close();
    await governor.close();
    await standin.close();
  });

  test("the driver sees rs0 with three members, all on the governor's ports", async () => {
    assert.match(governor.uri, /^mongodb:\/\/(127\.0\.0\.1:\d+,){2}127\.0\.0\.1:\d+\/\?replicaSet=rs0$/);
    const roles = () => governor.stats().members.map((m) => [m.upstream, m.role]);
    const expected = standin.hosts.map((h, i) => [h, i === 0 ? "primary" : "secondary"]);
    assert.deepEqual(roles(), expected, "roles as the upstream's hello gave them at start");
    const seen = new Map<string, string>();
    client.on("serverDescriptionChanged", (event) => seen.set(event.address, event.newDescription.type));
    await client.connect();
    for (let i = 0; i < 100 && [...seen.values()].filter((t) => t.startsWith("RS")).length < 3; i++) await sleep(50);
    assert.deepEqual([...seen.keys()].sort(), [...governor.hosts].sort());
    assert.deepEqual([...seen.values()].sort(), ["RSPrimary", "RSSecondary", "RSSecondary"]);
    const hello = await client.db("admin").command({ hello: 1 });
    assert.equal(hello.setName, "rs0");
    assert.deepEqual(hello.hosts, governor.hosts);
    assert.equal(hello.primary, governor.hosts[0]);
    assert.equal(hello.me, governor.hosts[0]);
    assert.deepEqual(roles(), expected, "roles as the members' own hello replies give them");
  });

  test("a write is counted at the primary, a read with readPreference secondary at a secondary", async () => {
    governor.reset();
    const items = client.db("gov").collection("replicated");
    await items.insertOne({ n: 1 }, { writeConcern: { w: "majority" } });
    assert.equal((await items.find({}, { readPreference: "secondary" }).toArray()).length, 1);
    const [primary, ...secondaries] = governor.stats().members;
    assert.deepEqual(primary!.byCommand, { insert: 1 });
    assert.deepEqual(secondaries.map((m) => m.byCommand.find ?? 0).sort(), [0, 1]);
    assert.equal(governor.stats().total.operations, 2);
  });
  test("a streaming hello (one request, replies with moreToCome) is rewritten reply after reply", async () => {
    // mongod 4.4+ streams hello to the driver's monitor: replies flagged moreToCome, each answered by the
    // next without a request. The stand-in polls, so a tiny fake member streams two replies per exhaust hello.
    const EXHAUST_ALLOWED = 1 << 16;
    let address = "";
    const member = net.createServer((socket) => {
      const frames = new FrameSplitter();
      socket.on("error", () => socket.destroy());
      socket.on("data", (chunk: Buffer) => {
        for (const frame of frames.push(chunk)) {
          const { requestId, opCode } = readHeader(frame);
          const reply = () => encodeReply({ requestId, legacy: opCode === OP_QUERY, moreToCome: false, command: {} },
            { ok: 1, isWritablePrimary: true, ismaster: true, setName: "rs0", hosts: [address], primary: address, me: address, minWireVersion: 0, maxWireVersion: 25 });
          if (opCode !== OP_MSG || (frame.readUInt32LE(16) & EXHAUST_ALLOWED) === 0) {
            socket.write(reply());
            continue;
          }
          const first = reply();
          first.writeUInt32LE(MORE_TO_COME, 16);
          const second = reply();
          second.writeInt32LE(first.readInt32LE(4), 8); // responseTo: the reply before it
          socket.write(Buffer.concat([first, second]));
        }
      });
    });
    await new Promise<void>((resolve) => member.listen(0, "127.0.0.1", resolve));
    address = `127.0.0.1:${(member.address() as net.AddressInfo).port}`;
    const governor = await startMongoGovernor({ upstream: `mongodb://${address}/?directConnection=true`, opsPerSecond: 10 });
    const [host, port] = governor.hosts[0]!.split(":");
    const socket = net.connect({ host: host!, port: Number(port) });
    try {
      const body = BSON.serialize({ hello: 1, topologyVersion: { processId: 1, counter: 0 }, maxAwaitTimeMS: 10000, $db: "admin" });
      const request = Buffer.alloc(21);
      request.writeInt32LE(21 + body.length, 0);
      request.writeInt32LE(42, 4);
      request.writeInt32LE(OP_MSG, 12);
      request.writeUInt32LE(EXHAUST_ALLOWED, 16);
      socket.write(Buffer.concat([request, body]));
      const replies: Buffer[] = [];
      const frames = new FrameSplitter();
      while (replies.length < 2) {
        const [chunk] = (await once(socket, "data")) as [Buffer];
        replies.push(...frames.push(chunk));
      }
      assert.deepEqual(replies.map((r) => r.readUInt32LE(16) & MORE_TO_COME), [MORE_TO_COME, 0]);
      for (const reply of replies) {
        const hello = BSON.deserialize(reply.subarray(21));
        assert.deepEqual([hello.hosts, hello.primary, hello.me], [governor.hosts, governor.hosts[0], governor.hosts[0]]);
      }
      assert.equal(governor.stats().total.exempt.hello, 1);
    } finally {
      socket.destroy();
      await governor.close();
      await new Promise((resolve) => member.close(resolve));
    }
  });
});

describe("the MongoDB governor's lifecycle", () => {
  test("close drops a queued operation (its client sees a network error) and leaves no open handles", async () => {
    const standin = await startMongoStandin();
    const governor = await startMongoGovernor({ upstream: standin.uri, opsPerSecond: 1, burst: 1 });
    const client = new MongoClient(governor.uri, { ...quick, retryReads: false });
    try {
      const items = client.db("gov").collection("items");
      await items.findOne({});
      const queued = items.findOne({});
      for (let i = 0; i < 40 && governor.stats().total.queued === 0; i++) await sleep(25);
      assert.equal(governor.stats().total.queued, 1);
      await governor.close();
      await assert.rejects(queued, (err: Error) => err.name === "MongoNetworkError");
      assert.equal(governor.stats().total.queued, 0);
    } finally {
      await client.close();
      await governor.close();
      await standin.close();
    }
    assert.deepEqual(await tcpHandles(), []);
  });

  test("bad options are rejected with messages that say what is wrong", async () => {
    const upstream = "mongodb://127.0.0.1:27017/?directConnection=true";
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ opsPerSecond: 10 }, /"upstream" must be a MongoDB connection string/],
      [{ upstream: "http://x", opsPerSecond: 10 }, /not a mongodb:\/\/ connection string/],
      [{ upstream: "mongodb+srv://u:secret@cluster.example.net", opsPerSecond: 10 }, /mongodb\+srv:\/\/ is not supported.*host:port/],
      [{ upstream: `${upstream}&tls=true`, opsPerSecond: 10 }, /tls=true is not supported/],
      [{ upstream }, /"opsPerSecond" must be a number of operations per second above 0, got undefined/],
      [{ upstream, opsPerSecond: 0 }, /"opsPerSecond" must be .* above 0, got 0/],
      [{ upstream, opsPerSecond: 10, burst: 0.5 }, /"burst" must be a whole number of operations, 1 or more, got 0.5/],
      [{ upstream, opsPerSecond: 10, maxWaitMs: -1 }, /"maxWaitMs" must be a number of milliseconds, 0 or more, got -1/],
      [{ upstream, opsPerSecond: 10, port: 70000 }, /"port" must be a port number/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(startMongoGovernor(options as never), (err: Error) => err.name === "MongoGovernorOptionsError" && message.test(err.message) && !err.message.includes("secret"));
    }
    const closed = await getFreePort();
    await assert.rejects(startMongoGovernor({ upstream: `mongodb://127.0.0.1:${closed}/?directConnection=true`, opsPerSecond: 10, discoveryTimeoutMs: 300 }), /did not answer hello within 300 ms/);
  });

  test("the CLI prints a URI that works, serves its counters, and stops cleanly on SIGTERM", async () => {
    const standin = await startMongoStandin();
    const cli = fileURLToPath(new URL("../services/mongo-governor-cli.ts", import.meta.url));
    const child = spawnTied(process.execPath, [cli, "--upstream", standin.uri, "--ops", "100", "--stats-port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d));
    try {
      const [first] = (await once(child.stdout!, "data")) as [Buffer];
      const uri = first.toString().trim();
      assert.match(uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true$/);
      const client = new MongoClient(uri, quick);
      await client.db("gov").collection("cli").insertOne({ ok: true });
      await client.close();
      for (let i = 0; i < 100 && !stderr.includes("/stats"); i++) await sleep(20); // stderr may trail stdout
      const statsUrl = /counters at (http:\S+\/stats)/.exec(stderr)?.[1];
      assert.ok(statsUrl, stderr);
      const stats = (await (await fetch(statsUrl)).json()) as GovernorStats;
      assert.deepEqual(stats.total.byCommand, { insert: 1 });
      const metrics = await (await fetch(statsUrl.replace(/stats$/, "metrics"))).text();
      assert.match(metrics, /^mongo_governor_operations_total\{member="127\.0\.0\.1:\d+",upstream="127\.0\.0\.1:\d+",command="insert"\} 1$/m);
      assert.match(metrics, /^mongo_governor_member_info\{.*,role="standalone"\} 1$/m);
    } finally {
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      await standin.close();
      assert.equal(code, 0, stderr);
    }
    assert.match(stderr, /100 operations\/s per member/);
    assert.match(stderr, /stopped \(SIGTERM\); counted:\n.*1 operations/);
  });
});

describe("the MongoDB governor's parts", () => {
  test("the budget serves in arrival order: a burst at once, then one slot per interval, and sheds past maxWaitMs", () => {
    let now = 1000;
    const budget = new MemberBudget({ opsPerSecond: 10, burst: 3, maxWaitMs: 450 }, () => now);
    assert.deepEqual(Array.from({ length: 8 }, () => budget.reserve()), [0, 0, 0, 100, 200, 300, 400, undefined]);
    now += 1000; // idle long enough to refill the burst, never more
    assert.deepEqual(Array.from({ length: 4 }, () => budget.reserve()), [0, 0, 0, 100]);
    budget.queued(1);
    budget.reset();
    assert.deepEqual({ ...budget.counters(), byCommand: undefined, exempt: undefined }, { operations: 0, byCommand: undefined, waited: 0, totalWaitMs: 0, maxWaitMs: 0, queued: 1, shed: 0, exempt: undefined });
  });

  test("hello requests lose their compression list; hello replies name the governor's listeners only", () => {
    const opMsg = (doc: object, flags = 0) => {
      const body = BSON.serialize(doc);
      const head = Buffer.alloc(21);
      head.writeInt32LE(21 + body.length, 0);
      head.writeInt32LE(7, 4);
      head.writeInt32LE(2013, 12);
      head.writeUInt32LE(flags, 16);
      return Buffer.concat([head, body]);
    };
    const bodyOf = (frame: Buffer) => BSON.deserialize(frame.subarray(21));
    const request = helloWithoutCompression(opMsg({ hello: 1, compression: ["zlib", "zstd"], $db: "admin" }), 2013);
    assert.deepEqual(bodyOf(request), { hello: 1, $db: "admin" });
    assert.equal(request.readInt32LE(0), request.length);

    const addresses = new Map([["a:1", "127.0.0.1:9001"], ["b:2", "127.0.0.1:9002"]]);
    const reply = opMsg({ ok: 1, setName: "rs0", secondary: true, hosts: ["a:1", "B:2", "c:3"], primary: "c:3", me: "b:2", compression: ["zlib"] }, 2);
    const { frame, role } = rewriteHelloReply(reply, 2013, addresses);
    assert.equal(role, "secondary");
    assert.deepEqual(bodyOf(frame), { ok: 1, setName: "rs0", secondary: true, hosts: ["127.0.0.1:9001", "127.0.0.1:9002"], me: "127.0.0.1:9002" });
    assert.equal(frame.readUInt32LE(16), 2, "moreToCome is kept");
  });
});
