import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startApp } from "./helpers.ts";

describe("liveness and readiness", () => {
  test("GET /live and GET /ready answer 200 on a healthy instance", async () => {
    const app = await startApp();
    for (const path of ["/live", "/ready"]) {
      const res = await fetch(`${app.url}${path}`);
      await res.text();
      assert.equal(res.status, 200, `expected GET ${path} to answer 200; got ${res.status}`);
    }
  });

  test("an instance that is not ready answers 503 on /ready with a JSON body, but stays live", async () => {
    let ready = false;
    const app = await startApp({ isReady: () => ready });
    const notReady = await fetch(`${app.url}/ready`);
    assert.equal(notReady.status, 503, `expected GET /ready to answer 503 while isReady() is false; got ${notReady.status}`);
    assert.ok(((await notReady.json()) as object) !== null, "expected a JSON body");
    const live = await fetch(`${app.url}/live`);
    await live.text();
    assert.equal(live.status, 200, "expected GET /live to stay 200: the process is fine, it just should not take traffic");
    ready = true;
    const nowReady = await fetch(`${app.url}/ready`);
    await nowReady.text();
    assert.equal(nowReady.status, 200, "expected GET /ready to answer 200 once isReady() is true");
  });
});
