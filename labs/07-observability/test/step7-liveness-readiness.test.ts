import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { get, startApp } from "./helpers.ts";

const json = (answer: { headers: Record<string, unknown>; body: string }) => {
  assert.match(String(answer.headers["content-type"]), /^application\/json/, `expected a JSON body; got content-type ${String(answer.headers["content-type"])}`);
  return JSON.parse(answer.body) as unknown;
};

describe("step 7: liveness and readiness", () => {
  test("GET /live and GET /ready answer 200 with a JSON body on a healthy instance", async () => {
    const app = await startApp();
    for (const path of ["/live", "/ready"]) {
      const answer = await get(`${app.url}${path}`);
      assert.equal(answer.status, 200, `expected GET ${path} to answer 200; got ${answer.status}`);
      json(answer);
    }
  });

  test("an instance that is not ready answers 503 on /ready with a JSON body, stays live, and is ready again once the check says so", async () => {
    let ready = false;
    const app = await startApp({ isReady: () => ready });
    const notReady = await get(`${app.url}/ready`);
    assert.equal(notReady.status, 503, `expected GET /ready to answer 503 while the readiness check says no; got ${notReady.status}`);
    json(notReady);
    const live = await get(`${app.url}/live`);
    assert.equal(live.status, 200, "expected GET /live to stay 200: the process is fine, it just should not take traffic");
    ready = true;
    assert.equal((await get(`${app.url}/ready`)).status, 200, "expected GET /ready to answer 200 as soon as the readiness check says yes (ask it on every request)");
    ready = false;
    assert.equal((await get(`${app.url}/ready`)).status, 503, "expected GET /ready to answer 503 again once the check says no again");
  });

  test("liveness never consults the readiness check", async () => {
    let asked = 0;
    const app = await startApp({ isReady: () => (asked++, false) });
    for (let i = 0; i < 5; i++) assert.equal((await get(`${app.url}/live`)).status, 200, "expected GET /live to answer 200");
    assert.equal(asked, 0, `expected GET /live not to run the readiness check (a database outage must not get every instance restarted); it ran ${asked} time(s)`);
  });

  test("a readiness check that throws means not ready: 503 with a JSON body, not a 500", async () => {
    const app = await startApp({
      isReady: () => {
        throw new Error("the connection pool is closed");
      },
    });
    const answer = await get(`${app.url}/ready`);
    assert.equal(answer.status, 503, `expected GET /ready to answer 503 when the readiness check throws; got ${answer.status}`);
    json(answer);
    assert.equal((await get(`${app.url}/live`)).status, 200, "expected GET /live to stay 200");
  });
});
