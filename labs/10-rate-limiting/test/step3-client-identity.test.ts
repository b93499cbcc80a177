import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { admitted, call, freshIp, localGateway, statuses, useGateway, type Reply } from "./helpers.ts";

const LIMIT = 5;
const WINDOW_SECONDS = 60;

async function series(n: number, request: (i: number) => Promise<Reply>): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = 0; i < n; i++) replies.push(await request(i));
  return replies;
}

describe("step 3: who the client is, behind one trusted proxy (TRUST_PROXY_HOPS=1)", () => {
  const gateway = useGateway({ limit: LIMIT, windowSeconds: WINDOW_SECONDS, trustProxyHops: 1 });

  test("a client that writes a new address into X-Forwarded-For each time does not get a new budget", async () => {
    const { apps } = gateway();
    const ip = freshIp();
    const replies = await series(3 * LIMIT, (i) => call(apps[i % 2]!.url, { ip, spoof: `203.0.113.${i + 1}` }));
    assert.equal(
      admitted(replies),
      LIMIT,
      `expected ${LIMIT} of ${3 * LIMIT} requests admitted: they all came through our proxy from ${ip}, each with a different made-up address in front (X-Forwarded-For: "203.0.113.N, ${ip}"); got ${statuses(replies)}. The left-most X-Forwarded-For entry is written by the client; trust only as many entries from the right as there are proxies of yours.`,
    );
  });

  test("two clients behind the same proxy have a budget each", async () => {
    const { apps } = gateway();
    const first = freshIp();
    const second = freshIp();
    const spent = await series(LIMIT + 1, (i) => call(apps[i % 2]!.url, { ip: first }));
    assert.equal(admitted(spent), LIMIT, `expected ${LIMIT} of ${LIMIT + 1} requests from ${first} admitted; got ${statuses(spent)}`);
    const other = await call(apps[0]!.url, { ip: second });
    assert.equal(other.status, 200, `expected the first request from another client (${second}) to be admitted while ${first} is refused; got ${other.status}. Everyone is sharing one budget.`);
  });

  test("a valid API key is the client: one budget for the key from any address, apart from that address's own", async () => {
    const { apps } = gateway();
    const [home, office] = [freshIp(), freshIp()];
    const keyed = await series(2 * LIMIT + 2, (i) => call(apps[i % 2]!.url, { ip: i % 2 ? office : home, apiKey: "key-alpha" }));
    assert.equal(
      admitted(keyed),
      LIMIT,
      `expected ${LIMIT} of ${2 * LIMIT + 2} requests with the API key key-alpha admitted, though they came from two addresses; got ${statuses(keyed)}. With a key, the key is the client.`,
    );
    const anonymous = await call(apps[0]!.url, { ip: home });
    assert.equal(anonymous.status, 200, `expected a request from ${home} without an API key to have its own budget, untouched by key-alpha's; got ${anonymous.status}`);
    const spentIp = freshIp();
    await series(LIMIT + 1, () => call(apps[1]!.url, { ip: spentIp }));
    const keyedFromSpentIp = await call(apps[0]!.url, { ip: spentIp, apiKey: "key-beta" });
    assert.equal(keyedFromSpentIp.status, 200, `expected key-beta to be admitted from ${spentIp}, whose anonymous budget is spent; got ${keyedFromSpentIp.status}`);
  });

  test("made-up API keys get 401 and are charged to their address, never a fresh budget each", async () => {
    const { apps, redis, namespace } = gateway();
    const ip = freshIp();
    const before = (await redis.keys(`${namespace}:*`)).length;
    const replies = await series(3 * LIMIT, (i) => call(apps[i % 2]!.url, { ip, apiKey: `made-up-${i}` }));
    assert.equal(admitted(replies), 0, `expected no request with an unknown API key to be admitted; got ${statuses(replies)}`);
    assert.ok(replies.every((r) => r.status === 401 || r.status === 429), `expected only 401 and 429 for unknown keys; got ${statuses(replies)}`);
    assert.equal(
      replies.filter((r) => r.status === 401).length,
      LIMIT,
      `expected the first ${LIMIT} unknown keys from ${ip} to get 401 and the rest 429 (charged to the address, so guessing keys is limited like any anonymous traffic); got ${statuses(replies)}. A budget per key that was never checked lets anyone buy a fresh budget by making up a key.`,
    );
    const created = (await redis.keys(`${namespace}:*`)).length - before;
    assert.ok(created <= 2, `expected ${3 * LIMIT} requests with made-up keys from one address to create at most a key or two in Redis; they created ${created}`);
    const gamma = await call(apps[0]!.url, { ip, apiKey: "key-gamma" });
    assert.equal(gamma.status, 200, `expected a valid key (key-gamma) from the same address to be admitted; got ${gamma.status}`);
    assert.equal(gamma.json.client, "api key", `expected the app to see key-gamma's request as an API-key client; got ${JSON.stringify(gamma.json.client)}`);
  });
});

describe("step 3: who the client is, behind two trusted proxies (TRUST_PROXY_HOPS=2)", () => {
  const gateway = useGateway({ instances: 1, limit: LIMIT, windowSeconds: WINDOW_SECONDS, trustProxyHops: 2 });

  test("the client is the address our outer proxy saw, not our inner proxy and not what the client wrote", async () => {
    const [app] = gateway().apps;
    const [client, neighbour] = [freshIp(), freshIp()];
    const innerProxy = "10.0.0.7";
    const replies = await series(3 * LIMIT, (i) => call(app!.url, { ip: client, via: [innerProxy], spoof: `203.0.113.${i + 1}` }));
    assert.equal(
      admitted(replies),
      LIMIT,
      `expected ${LIMIT} of ${3 * LIMIT} admitted for one client (X-Forwarded-For: "203.0.113.N, ${client}, ${innerProxy}" with two trusted hops); got ${statuses(replies)}`,
    );
    const other = await call(app!.url, { ip: neighbour, via: [innerProxy] });
    assert.equal(
      other.status,
      200,
      `expected another client (${neighbour}) behind the same inner proxy to have its own budget; got ${other.status}. Read the number of trusted hops from the configuration (config.trustProxyHops), not a constant.`,
    );
  });
});

describe("step 3: who the client is, with no proxy of ours in front (TRUST_PROXY_HOPS=0)", () => {
  test("X-Forwarded-For from a client that connects directly is not believed at all", async () => {
    // The app in this process, called straight from 127.0.0.1 with a new made-up address each time
    // and nothing appended by a proxy of ours.
    const gateway = await localGateway("no-proxy", { RATE_LIMIT: String(LIMIT), RATE_WINDOW_SECONDS: String(WINDOW_SECONDS), TRUST_PROXY_HOPS: "0" });
    try {
      const replies = await series(3 * LIMIT, (i) => call(gateway.url, { spoof: `203.0.113.${i + 1}` }));
      assert.equal(
        admitted(replies),
        LIMIT,
        `expected ${LIMIT} of ${3 * LIMIT} admitted: every request came from 127.0.0.1 with no proxy of ours in front (TRUST_PROXY_HOPS=0), each with a different X-Forwarded-For; got ${statuses(replies)}. With zero trusted hops the header is whatever the caller wrote: the client is the socket's address. Trusting "loopback", or \`true\` when no hop count is set, gives every made-up address a fresh budget.`,
      );
    } finally {
      await gateway.close();
    }
  });
});
