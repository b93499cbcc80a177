// Promise 6: a deploy (every instance stopped with SIGTERM and started again, one after the other)
// under steady traffic costs no failed request, reads or writes; an instance says it is not ready
// while it drains, before it stops.
import assert from "node:assert/strict";
import { request } from "node:http";
import { before, test } from "node:test";
import type { Shop } from "../shop-stack.ts";
import { call, describeStatuses, newUser, shopForTest, sleep, until, type Answer, type User } from "./support.ts";

let shop: Shop;
let users: User[];
before(async () => {
  shop = await shopForTest();
  users = await Promise.all(Array.from({ length: 4 }, (_, i) => newUser(shop.url, `steady${i}`)));
});

/** Six clients (reads, and cart writes by logged-in users) until `done`; every answer. */
async function steadyLoad(done: Promise<unknown>): Promise<{ what: string; answer: Answer }[]> {
  let stop = false;
  void done.then(() => (stop = true));
  const answers: { what: string; answer: Answer }[] = [];
  const client = async (n: number) => {
    for (let i = 0; !stop; i++) {
      const user = users[n % users.length]!;
      if (n < 2) answers.push({ what: "POST /cart/items", answer: await call(shop.url, "POST", "/cart/items", { cookie: user.cookie, body: { productId: 1 + (i % 40), quantity: 1 } }) });
      else answers.push({ what: "GET /products/:id", answer: await call(shop.url, "GET", `/products/${1 + ((i * 7 + n) % 200)}`) });
      await sleep(10);
    }
  };
  await Promise.all(Array.from({ length: 6 }, (_, n) => client(n)));
  return answers;
}

test("a rolling restart of every instance under steady traffic costs no failed request, and each says not ready while it drains", async () => {
  const notes: string[] = [];
  const deploy = (async () => {
    await sleep(500);
    for (const app of shop.instances) {
      const exited = app.kill("SIGTERM");
      // While it drains, the balancer's check must hear "not ready" before the listener goes away.
      let sawNotReady = false;
      let lastStatus = -1;
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline && app.alive()) {
        const ready = await call(app.url, "GET", "/health/ready", { timeoutMs: 1000 });
        lastStatus = ready.status;
        if (ready.status === 503) {
          sawNotReady = true;
          break;
        }
        await sleep(20);
      }
      assert.ok(sawNotReady, `expected ${app.name}, after SIGTERM, to answer 503 on /health/ready while it drains (so HAProxy stops sending before it stops listening); ${app.alive() ? `it answered ${lastStatus === 0 ? "nothing" : lastStatus}` : "it had already exited"}`);
      // HAProxy checks every 1 s and takes an instance out after 2 failed checks (haproxy.cfg: inter 1s
      // fall 2): "not ready" must last that long before the listener closes, or the balancer learns too late.
      const firstNotReady = Date.now();
      let lastNotReady = firstNotReady;
      while (app.alive() && Date.now() - firstNotReady < 10_000) {
        const ready = await call(app.url, "GET", "/health/ready", { timeoutMs: 1000 });
        if (ready.status === 503) lastNotReady = Date.now();
        else if (ready.status === 0) break;
        await sleep(50);
      }
      assert.ok(
        lastNotReady - firstNotReady >= 2000,
        `expected ${app.name} to answer 503 on /health/ready for at least 2 s after SIGTERM before it stopped listening (HAProxy's check interval of 1 s × 2 failed checks); it did for ${lastNotReady - firstNotReady} ms`,
      );
      await exited;
      notes.push(`${app.name} exited`);
      await app.restart();
      await until(`HAProxy to see ${app.name} UP again`, async () => (await shop.servers()).get(app.name)?.status === "UP", 15_000);
    }
    await sleep(500);
  })();
  const answers = await steadyLoad(deploy.catch(() => undefined));
  await deploy;
  const failed = answers.filter((a) => a.answer.status !== 200);
  assert.equal(
    failed.length,
    0,
    `expected no failed request while app1, app2 and app3 were restarted one after the other (${answers.length} requests); ${failed.length} failed: ${describeStatuses(failed.map((a) => a.answer))} (first: ${failed[0]?.what} ${failed[0]?.answer.status} ${failed[0]?.answer.text.slice(0, 120)})`,
  );
});

/**
 * A POST /cart/items whose body arrives slowly: the headers and half the body now, the rest when
 * `finish()` is called. Until then the request is in flight on the server, whatever its speed.
 */
function slowCartAdd(base: string, user: User): { finish: () => void; answer: Promise<{ status: number; text: string }> } {
  const body = JSON.stringify({ productId: 7, quantity: 1 });
  const half = Math.floor(body.length / 2);
  const url = new URL("/cart/items", base);
  let finish = () => {};
  const answer = new Promise<{ status: number; text: string }>((resolve) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": String(body.length), cookie: user.cookie, "x-client-id": `user-${user.id}` } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", (error) => resolve({ status: 0, text: error.message }));
    });
    req.on("error", (error) => resolve({ status: 0, text: error.message }));
    req.write(body.slice(0, half));
    finish = () => req.end(body.slice(half));
  });
  return { finish: () => finish(), answer };
}

test("requests still in flight when an instance stops listening are answered before it exits", async () => {
  const app = shop.instances[2] ?? shop.instances[0]!;
  await until(`HAProxy to see ${app.name} UP`, async () => (await shop.servers()).get(app.name)?.status === "UP", 15_000);
  // Three requests sent to the instance right before SIGTERM, whose bodies are still arriving when it
  // closes its listener: a drain waits for them; an exit at the end of the drain delay cuts them off.
  const slow = users.slice(0, 3).map((user) => slowCartAdd(app.url, user));
  await sleep(200);
  const exited = app.kill("SIGTERM");
  await until(`${app.name} to stop accepting connections after SIGTERM`, async () => (await call(app.url, "GET", "/health/live", { timeoutMs: 1000 })).status === 0, 30_000);
  await sleep(300);
  for (const s of slow) s.finish();
  const answers = await Promise.all(slow.map((s) => s.answer));
  await exited;
  await app.restart();
  const failed = answers.filter((a) => a.status !== 200);
  assert.equal(
    failed.length,
    0,
    `expected the 3 requests in flight on ${app.name} when it stopped listening (sent before SIGTERM, their bodies still arriving) to be answered 200 before it exited; ${failed.length} were not: ${failed.map((a) => `${a.status === 0 ? "no answer" : a.status} ${a.text.slice(0, 80)}`).join("; ")}`,
  );
});
