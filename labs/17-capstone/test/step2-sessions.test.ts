// Promise 2: deploy.json runs the 3 instances of the budget, and a session outlives the instance
// that made it: any instance serves it, a SIGKILL of any instance loses none, and logout ends it on all.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { readDeploy, startShop, type Shop } from "../shop-stack.ts";
import { call, keysOf, newUser, redisForTest, shopForTest, sleep, type User } from "./support.ts";

test("deploy.json asks for the whole budget of 3 instances, and the harness refuses more", async () => {
  const { instances } = readDeploy();
  assert.equal(instances, 3, `expected deploy.json to run 3 instances (the budget: one instance is one crash from an outage, and 10x needs every core); it says ${instances}`);
  await assert.rejects(startShop({ env: { MONGO_URL: "mongodb://127.0.0.1:1", REDIS_URL: "redis://127.0.0.1:1", WORKBOOK_NS: "wb_x" }, instances: 4 }), /budget/, "expected 4 instances to be refused, naming the budget");
});

let shop: Shop;
before(async () => {
  if (readDeploy().instances !== 3) return;
  shop = await shopForTest();
});

function needsThree(): void {
  assert.ok(shop, `expected 3 instances from deploy.json; it asks for ${readDeploy().instances}, so sessions across instances cannot be checked`);
}

async function assertWorksEverywhere(user: User, alive: readonly { name: string; url: string }[], when: string): Promise<void> {
  for (const app of alive) {
    const me = await call(app.url, "GET", "/me", { cookie: user.cookie });
    assert.equal(me.status, 200, `expected GET /me straight to ${app.name} with a session made through HAProxy to answer 200 ${when}; got ${me.status} ${me.text.slice(0, 120)}`);
    assert.equal(me.body?.email, user.email, `expected ${app.name} to know the session's user ${user.email} ${when}; got ${JSON.stringify(me.body)}`);
  }
}

test("a session made through HAProxy works on every instance directly", async () => {
  needsThree();
  const users = await Promise.all(Array.from({ length: 4 }, (_, i) => newUser(shop.url, `session${i}`)));
  for (const user of users) await assertWorksEverywhere(user, shop.instances, "");
});

test("SIGKILL of any instance loses no session", async () => {
  needsThree();
  const users = await Promise.all(Array.from({ length: 6 }, (_, i) => newUser(shop.url, `survivor${i}`)));
  for (const victim of shop.instances) {
    await victim.kill("SIGKILL");
    const alive = shop.instances.filter((p) => p !== victim);
    for (const user of users) await assertWorksEverywhere(user, alive, `after ${victim.name} was killed (SIGKILL)`);
    await victim.restart();
    await assertWorksEverywhere(users[0]!, [victim], `after ${victim.name} was killed and started again`);
  }
});

test("logout ends the session on every instance", async () => {
  needsThree();
  const user = await newUser(shop.url, "leaver");
  await assertWorksEverywhere(user, shop.instances, "before logout");
  const out = await call(shop.instances[1]!.url, "POST", "/logout", { cookie: user.cookie });
  assert.equal(out.status, 204, `expected POST /logout to answer 204; got ${out.status}`);
  for (const app of shop.instances) {
    const me = await call(app.url, "GET", "/me", { cookie: user.cookie });
    assert.equal(me.status, 401, `expected GET /me on ${app.name} with a session logged out on app2 to answer 401; got ${me.status} ${me.text.slice(0, 120)}`);
  }
});

const DAY_SECONDS = 86_400;

test("a session is kept in Redis for 24 hours after its last use, under a key that does not hold the session id", async () => {
  needsThree();
  const redis = await redisForTest();
  const user = await newUser(shop.url, "keeper");
  const sid = user.cookie.slice("sid=".length);
  // What each key of this run holds, as text: a string's value, a hash's fields and values.
  const contents = async () => {
    const found: { key: string; text: string }[] = [];
    for (const key of await keysOf(redis, shop)) {
      const type = await redis.type(key);
      const text = type === "string" ? ((await redis.get(key)) ?? "") : type === "hash" ? JSON.stringify(await redis.hgetall(key)) : "";
      found.push({ key, text });
    }
    return found;
  };
  const all = await contents();
  // The id as the cookie carries it, and the same id merely re-encoded (hex or base64 of its text or of
  // its bytes): anything that turns back into the id without a secret is the id.
  const forms = [...new Set([sid, ...(["hex", "base64", "base64url"] as const).flatMap((encoding) => [Buffer.from(sid).toString(encoding), Buffer.from(sid, "base64url").toString(encoding)])])].filter((form) => form.length >= 16);
  const raw = all.filter((k) => forms.some((form) => k.key.includes(form) || k.text.includes(form)));
  assert.deepEqual(
    raw.map((k) => k.key),
    [],
    `expected no Redis key name or value to hold the session id itself, as is or merely re-encoded (hex, base64): whoever reads Redis, a dump or KEYS, could turn it back into the cookie and log in as the user; these do: ${raw.map((k) => k.key).join(", ")}`,
  );
  const sessions = all.filter((k) => k.text.includes(user.email) || k.text.includes(user.id));
  assert.ok(sessions.length > 0, `expected the session of ${user.email} in this run's Redis, under the prefix "${shop.namespace}:" (every instance reads the same sessions); no key there names the user (keys: ${all.map((k) => k.key).slice(0, 10).join(", ")})`);
  for (const { key } of sessions) {
    const ttl = await redis.ttl(key);
    assert.ok(
      ttl > DAY_SECONDS - 60 && ttl <= DAY_SECONDS,
      `expected the session key ${key} to expire 24 hours (${DAY_SECONDS} s) after the login; its TTL is ${ttl} s${ttl === -1 ? " (no expiry: Redis would keep every session ever made)" : ttl < DAY_SECONDS - 60 && ttl > 0 ? " (a TTL given in milliseconds where seconds were meant?)" : ""}`,
    );
  }
  // The 24 hours count from the last use: any request with the session starts them again, not only
  // GET /me (a shopper who only browses the cart and orders is using the session as much).
  await sleep(1500);
  const cart = await call(shop.url, "GET", "/cart", { cookie: user.cookie });
  assert.equal(cart.status, 200, `expected GET /cart to answer 200; got ${cart.status}`);
  for (const { key } of sessions) {
    const pttl = await redis.pttl(key);
    assert.ok(pttl > DAY_SECONDS * 1000 - 1000, `expected any request with the session (here GET /cart) to start its 24 hours again (the key ${key} to have about ${DAY_SECONDS * 1000} ms to live after GET /cart, 1.5 s after the login); it has ${pttl} ms`);
  }
});
