import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { call, catalogue, freshUser, keysByPrimary, moveSlot, said, sleep, slotOf, useLab } from "./helpers.ts";

const FAMILIES = 6;
const VARIANTS = 12;
const USERS = 24;
// A slot with 12 keys, moved one key every 400 ms, is half-moved for about 5 s: longer than twice
// ioredis's default redirection budget (16 tries 100 ms apart).
const PAUSE_MS = 400;

describe("step 5: moving slots between primaries under load fails no request and loses no key", () => {
  const lab = useLab({ env: { RUN_WORKERS: "0", LIMIT_PER_MINUTE: "100000", LIMIT_PER_HOUR: "100000", STORE_DEADLINE_MS: "10000" } });
  const products = catalogue("shop", FAMILIES, VARIANTS);
  const price = new Map(products.map((p) => [p.sku, p.priceCents]));

  test("carts, sessions and cart writes keep working, correctly, while five slots move", async () => {
    const put = await call(lab(), "POST", "/api/products", { products });
    assert.equal(put.status, 204, `expected the prices to be stored; got ${said(put)}`);
    // Carts of 6 items in 3 families, and a session per user.
    const carts = new Map<string, { skus: string[]; total: number }>();
    const sessions = new Map<string, string>();
    for (let u = 0; u < USERS; u++) {
      const user = freshUser("shopper");
      const skus = [0, 1, 2].flatMap((k) => [`shop${(u + k) % FAMILIES}-v${u % VARIANTS}`, `shop${(u + k) % FAMILIES}-v${(u + 5) % VARIANTS}`]);
      for (const sku of skus) {
        const reply = await call(lab(), "POST", `/api/carts/${user}/items`, { sku, qty: 1 });
        assert.equal(reply.status, 200, `expected a cart write to succeed; got ${said(reply)}`);
      }
      carts.set(user, { skus, total: skus.reduce((sum, sku) => sum + price.get(sku)!, 0) });
      const session = await call(lab(), "POST", "/api/sessions", { user });
      assert.equal(session.status, 201, `expected a session to be created; got ${said(session)}`);
      sessions.set(String(session.json.sid), user);
    }
    // The slots to move: two families' prices (12 keys each), two users' carts and counters, one session.
    const keys = (await keysByPrimary(lab())).map((k) => k.key);
    const pick = (match: (key: string) => boolean, what: string) => {
      const key = keys.find(match);
      assert.ok(key, `expected ${what} among the keys on the cluster; found none. Are the data on the cluster at all?`);
      return slotOf(lab(), key);
    };
    const users = [...carts.keys()];
    const sids = [...sessions.keys()];
    const slots = [
      ...new Set([
        await pick((k) => k.endsWith("shop0-v0"), "the price of shop0-v0"),
        await pick((k) => k.endsWith("shop3-v0"), "the price of shop3-v0"),
        await pick((k) => k.includes(users[0]!) && k.includes("cart"), `the cart of ${users[0]}`),
        await pick((k) => k.includes(users[7]!) && k.includes("cart"), `the cart of ${users[7]}`),
        await pick((k) => k.includes(sids[0]!), `session ${sids[0]}`),
      ]),
    ];

    // Traffic: four clients, each reading carts and sessions and writing carts, until the moves are done.
    const failures: string[] = [];
    const written = new Map<string, number>();
    let requests = 0;
    let moving = true;
    const client = async (c: number) => {
      for (let i = 0; moving; i++) {
        const user = users[(c * 7 + i) % users.length]!;
        const sid = sids[(c * 5 + i) % sids.length]!;
        const op = i % 3;
        requests++;
        if (op === 0) {
          const cart = await call(lab(), "GET", `/api/carts/${user}`);
          if (cart.status !== 200 || cart.json.totalCents !== carts.get(user)!.total) failures.push(`GET /api/carts/${user}: expected 200 with total ${carts.get(user)!.total}; got ${said(cart)}`);
        } else if (op === 1) {
          const session = await call(lab(), "GET", `/api/sessions/${sid}`);
          if (session.status !== 200 || session.json.user !== sessions.get(sid)) failures.push(`GET /api/sessions/${sid}: expected 200 for ${sessions.get(sid)}; got ${said(session)}`);
        } else {
          const writer = `${users[(c + i) % 8]!}_w`;
          const reply = await call(lab(), "POST", `/api/carts/${writer}/items`, { sku: "shop0-v0", qty: 1 });
          if (reply.status === 200) written.set(writer, (written.get(writer) ?? 0) + 1);
          else failures.push(`POST /api/carts/${writer}/items: expected 200; got ${said(reply)}`);
        }
      }
    };
    const traffic = Promise.all([0, 1, 2, 3].map(client));
    const moves: string[] = [];
    try {
      await sleep(200);
      for (const slot of slots) {
        const move = await moveSlot(lab(), slot, { batch: 1, pauseMs: PAUSE_MS });
        moves.push(`slot ${slot}: ${move.keys} keys, primary ${move.from + 1} → ${move.to + 1}`);
      }
      await sleep(300);
    } finally {
      moving = false;
      await traffic;
    }
    assert.ok(requests > 50, `expected the traffic to make progress during the moves; only ${requests} requests were answered`);
    assert.deepEqual(
      failures.slice(0, 5),
      [],
      `expected no failed or wrong answer among ${requests} requests while slots moved (${moves.join("; ")}); ${failures.length} failed, the first: see the list. A multi-key command on a half-moved slot is answered TRYAGAIN until its last key has moved; a single key that has moved is answered ASK. The client must ride through both, for as long as a slot takes to move.`,
    );

    // Nothing lost: every cart, session and counted write is still there.
    for (const [user, cart] of carts) {
      const reply = await call(lab(), "GET", `/api/carts/${user}`);
      assert.equal(reply.json.totalCents, cart.total, `expected ${user}'s cart (total ${cart.total}) to survive the moves; got ${said(reply)}`);
    }
    for (const [sid, user] of sessions) {
      const reply = await call(lab(), "GET", `/api/sessions/${sid}`);
      assert.equal(reply.json.user, user, `expected session ${sid} to survive the moves; got ${said(reply)}`);
    }
    for (const [writer, n] of written) {
      const reply = await call(lab(), "GET", `/api/carts/${writer}`);
      const lines = reply.json.lines as { qty: number }[] | undefined;
      assert.equal(lines?.[0]?.qty, n, `expected ${writer}'s cart to hold the ${n} writes that were answered 200; got ${said(reply)}`);
    }
  });

  test("when the whole cluster is gone, requests get a 503 with a JSON error, and the app stays up", async () => {
    await lab().stopCluster();
    const started = performance.now();
    const reply = await call(lab(), "GET", `/api/carts/${freshUser()}`);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(reply.status, 503, `expected 503 while Redis is unreachable; got ${said(reply)}`);
    assert.equal(typeof reply.json.error, "string", `expected a JSON error body; got ${said(reply)}`);
    assert.ok(seconds < 20, `expected the 503 within the app's deadline (10 s here); it took ${seconds.toFixed(1)} s`);
    const health = await call(lab(), "GET", "/health");
    assert.equal(health.status, 200, `expected the app to keep serving what needs no Redis; /health answered ${said(health)}`);
  });
});
