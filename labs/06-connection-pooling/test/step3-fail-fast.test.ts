import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoParseError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type TopologyDescription,
} from "mongodb";
import { getFreePort, type Instance } from "#kit/testing/index.ts";
import { isDatabaseUnavailable } from "../src/db.ts";
import { pooledFixture, sleep, startApp } from "./helpers.ts";

const timeoutMs = 1000;
// Generous: the machine may be loaded, but nowhere near the driver's 30 s default.
const marginMs = 6000;

async function timedGet(url: string): Promise<{ status: number | "no answer"; ms: number; body: unknown }> {
  const start = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs + marginMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, ms: performance.now() - start, body };
  } catch {
    return { status: "no answer", ms: performance.now() - start, body: undefined };
  }
}

describe("isDatabaseUnavailable goes by the driver's error classes", () => {
  it("true for no server, a broken or timed-out connection and a closed client; false for server replies, driver misuse and anything that only looks like an outage", () => {
    const outages: [string, unknown][] = [
      ["MongoServerSelectionError", new MongoServerSelectionError("Server selection timed out after 1000 ms", {} as TopologyDescription)],
      ["MongoNetworkError", new MongoNetworkError("connection 3 to 127.0.0.1:27017 closed")],
      ["MongoNetworkTimeoutError (a MongoNetworkError too)", new MongoNetworkTimeoutError("connection 4 to 127.0.0.1:27017 timed out")],
      ["MongoTopologyClosedError", new MongoTopologyClosedError()],
    ];
    for (const [what, error] of outages) {
      assert.equal(isDatabaseUnavailable(error), true, `expected isDatabaseUnavailable(${what}) to be true: no usable server right now means 503`);
    }
    const lookalike = new Error("connection closed");
    lookalike.name = "MongoNetworkError";
    const notOutages: [string, unknown][] = [
      ["a MongoServerError (the server answered: bad query) whose message says timed out", new MongoServerError({ message: "operation timed out: connection closed", code: 2, codeName: "BadValue" })],
      ["a MongoInvalidArgumentError (the app called the driver wrongly)", new MongoInvalidArgumentError("Invalid read preference mode \"sometimes\"")],
      ["a MongoParseError (a bad connection string option)", new MongoParseError("option socket timeout is not supported")],
      ["a plain Error saying Server selection timed out", new Error("Server selection timed out after 1000 ms")],
      ["a plain Error saying ECONNREFUSED", new Error("connect ECONNREFUSED 127.0.0.1:27017")],
      ["a plain Error named MongoNetworkError", lookalike],
      ["a TypeError (a bug)", new TypeError("Cannot read properties of undefined (reading 'socket')")],
      ["the string \"network timeout\"", "network timeout"],
      ["undefined", undefined],
    ];
    for (const [what, error] of notOutages) {
      let verdict: unknown;
      assert.doesNotThrow(() => (verdict = isDatabaseUnavailable(error)), `isDatabaseUnavailable(${what}) threw`);
      assert.equal(verdict, false, `expected isDatabaseUnavailable(${what}) to be false: only the driver's "no usable server" classes mean 503; a message or a name that looks like one is not enough`);
    }
  });
});

describe("fail fast when the database is unreachable", () => {
  const apps: Instance[] = [];
  after(() => Promise.all(apps.map((a) => a.stop())));

  it(`started with the database down, the app stays up with no traffic, and a request then ends with 503 and a JSON error within the ${timeoutMs} ms timeout plus a margin`, async () => {
    const closedPort = await getFreePort(); // nothing listens here
    const app = await startApp({
      MONGO_URL: `mongodb://127.0.0.1:${closedPort}/?directConnection=true`,
      MONGO_SERVER_SELECTION_TIMEOUT_MS: String(timeoutMs),
      WORKBOOK_NS: "wb_unreachable",
      SKIP_SEED: "1",
    });
    apps.push(app);
    // No request for a while: a connection attempt made at start-up has failed by now, and nothing
    // but the app itself was there to handle that failure.
    const idle = await Promise.race([app.exited(), sleep(timeoutMs + 1500).then(() => "running" as const)]);
    assert.equal(
      idle,
      "running",
      `expected the app to keep running with the database down and no requests yet; it exited (${JSON.stringify(idle)}) within ${timeoutMs + 1500} ms of starting. ` +
        `A failed connection attempt that nothing awaits is an unhandled rejection, which ends the process. Its output:\n${app.output().slice(-800)}`,
    );
    const { status, ms, body } = await timedGet(`${app.url}/products/SKU-0001`);
    assert.equal(
      status,
      503,
      `expected 503 within ${timeoutMs + marginMs} ms with MONGO_SERVER_SELECTION_TIMEOUT_MS=${timeoutMs}; got ${status} after ${Math.round(ms)} ms. ` +
        "Pass serverSelectionTimeoutMS to the client (TODO(2)) and answer 503 for an unreachable database (TODO(3)).",
    );
    assert.equal(typeof (body as { error?: unknown } | undefined)?.error, "string", `expected a JSON { error } body; got ${JSON.stringify(body)}`);
  });

  it("when the database comes back, the same process serves requests again", async (t) => {
    const fx = await pooledFixture();
    t.after(() => fx.close());
    fx.proxy.refuse(true);
    const app = await startApp({ ...fx.env, MONGO_SERVER_SELECTION_TIMEOUT_MS: String(timeoutMs) });
    apps.push(app);
    const down = await timedGet(`${app.url}/products/SKU-0001`);
    assert.equal(down.status, 503, `expected 503 while the database is down; got ${down.status} after ${Math.round(down.ms)} ms`);
    fx.proxy.refuse(false);
    let last: Awaited<ReturnType<typeof timedGet>> = down;
    for (let attempt = 0; attempt < 20 && last.status !== 200; attempt++) {
      await sleep(500);
      last = await timedGet(`${app.url}/products/SKU-0001`);
    }
    assert.equal(last.status, 200, `expected requests to succeed again within ~10 s of the database returning; last got ${last.status}`);
  });

  it("an outage after start-up: 503 with a JSON error while the database is gone, 200 once it is back", async (t) => {
    const fx = await pooledFixture();
    t.after(() => fx.close());
    const app = await startApp({ ...fx.env, MONGO_SERVER_SELECTION_TIMEOUT_MS: String(timeoutMs) });
    apps.push(app);
    const up = await timedGet(`${app.url}/products/SKU-0001`);
    assert.equal(up.status, 200, `expected 200 while the database is up; got ${up.status}`);
    fx.proxy.refuse(true); // drops every open connection and refuses new ones
    const down = await timedGet(`${app.url}/products/SKU-0002`);
    assert.equal(down.status, 503, `expected 503 within ${timeoutMs + marginMs} ms once the database went away; got ${down.status} after ${Math.round(down.ms)} ms`);
    assert.equal(typeof (down.body as { error?: unknown } | undefined)?.error, "string", `expected a JSON { error } body; got ${JSON.stringify(down.body)}`);
    fx.proxy.refuse(false);
    let last = down;
    for (let attempt = 0; attempt < 20 && last.status !== 200; attempt++) {
      await sleep(500);
      last = await timedGet(`${app.url}/products/SKU-0002`);
    }
    assert.equal(last.status, 200, `expected requests to succeed again within ~10 s of the database returning; last got ${last.status}`);
  });

  it("a connection that breaks in the middle of a query gives 503 quickly, not 500 and not a hang", async (t) => {
    const fx = await pooledFixture();
    t.after(() => fx.close());
    // A long selection timeout: the 503 must come from recognising the network error, not from waiting it out.
    const app = await startApp({ ...fx.env, MONGO_SERVER_SELECTION_TIMEOUT_MS: "30000" });
    apps.push(app);
    const up = await timedGet(`${app.url}/products/SKU-0001`);
    assert.equal(up.status, 200, `expected 200 before the fault; got ${up.status}`);
    fx.proxy.fail("products", "reset"); // the server is reachable, but every product query's connection drops mid-query
    const broken = await timedGet(`${app.url}/products/SKU-0003`);
    fx.proxy.fail("products", undefined);
    assert.ok(fx.proxy.failed > 0, "the proxy should have dropped at least one query");
    assert.equal(
      broken.status,
      503,
      `expected 503 when the connection drops mid-query (a MongoNetworkError); got ${broken.status} after ${Math.round(broken.ms)} ms with ${JSON.stringify(broken.body)}`,
    );
    const again = await timedGet(`${app.url}/products/SKU-0003`);
    assert.equal(again.status, 200, `expected the next request, with the connection healthy again, to get 200; got ${again.status}`);
  });

  it("an error the database answers with (a bad query, not an outage) stays a 500, not a 503", async (t) => {
    const fx = await pooledFixture();
    t.after(() => fx.close());
    const app = await startApp({ ...fx.env, MONGO_SERVER_SELECTION_TIMEOUT_MS: String(timeoutMs) });
    apps.push(app);
    fx.proxy.fail("products", "server-error"); // the server answers { ok: 0, code: 2, codeName: "BadValue" }
    const reply = await timedGet(`${app.url}/products/SKU-0004`);
    fx.proxy.fail("products", undefined);
    assert.ok(fx.proxy.failed > 0, "the proxy should have answered at least one query with an error");
    assert.equal(
      reply.status,
      500,
      `expected 500 for a MongoServerError (code 2, BadValue): retrying later will not fix a bad query, so it is not "unavailable"; got ${reply.status} ${JSON.stringify(reply.body)}`,
    );
  });

  it("SIGTERM while the database is unreachable: the process exits by itself, and the waiting request gets a 503", async () => {
    const closedPort = await getFreePort();
    const app = await startApp({
      MONGO_URL: `mongodb://127.0.0.1:${closedPort}/?directConnection=true`,
      MONGO_SERVER_SELECTION_TIMEOUT_MS: "20000",
      WORKBOOK_NS: "wb_unreachable",
      SKIP_SEED: "1",
    });
    // A request is waiting for a server when the signal arrives.
    const pending = timedGet(`${app.url}/products/SKU-0001`);
    await sleep(300);
    const exited = app.exited();
    app.signal("SIGTERM");
    const outcome = await Promise.race([exited, sleep(8000).then(() => "still running" as const)]);
    const answered = await pending;
    if (outcome === "still running") apps.push(app);
    assert.notEqual(outcome, "still running", "expected the app to exit within 8 s of SIGTERM while connecting (20 s selection timeout); it was still running. close() must close the client even while it is connecting.");
    // The request in flight at shutdown still gets an answer: its operation fails because the client
    // closed, which is "no usable server" for that request, so a 503 sends the client elsewhere.
    assert.equal(
      answered.status,
      503,
      `expected the request that was waiting when SIGTERM arrived to get 503 with a JSON error (the client was closed under it); got ${answered.status} ${JSON.stringify(answered.body)}`,
    );
  });
});
