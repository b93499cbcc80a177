import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { roundRobinProxy, startInstances, startProcess, stopAll, type Instance } from "../testing/index.ts";
import { median, percentile } from "../testing/stats.ts";

const entry = new URL("./fixtures/echo-server.ts", import.meta.url);
const text = async (url: string) => (await fetch(url)).text();

describe("test helpers", () => {
  let apps: Instance[] = [];
  after(() => stopAll(apps));

  test("startInstances runs separate processes on their own free ports", async () => {
    apps = await startInstances(2, { entry });
    assert.notEqual(apps[0]!.port, apps[1]!.port);
    assert.notEqual(apps[0]!.child.pid, apps[1]!.child.pid);
    assert.equal(await text(apps[0]!.url), String(apps[0]!.port));
  });

  test("the proxy sends each request to the next instance in turn", async () => {
    const lb = await roundRobinProxy({ targets: apps.map((a) => a.url) });
    try {
      const seen = [];
      for (let i = 0; i < 6; i++) seen.push(await text(lb.url));
      assert.deepEqual(seen, [0, 1, 0, 1, 0, 1].map((i) => String(apps[i]!.port)));
      assert.deepEqual(Object.values(lb.stats.forwarded), [3, 3]);
    } finally {
      await lb.close();
    }
  });

  test("a stopped instance is skipped without failing the request, and restart brings it back on the same port", async () => {
    const lb = await roundRobinProxy({ targets: apps.map((a) => a.url) });
    try {
      await apps[0]!.stop();
      for (let i = 0; i < 4; i++) assert.equal(await text(lb.url), String(apps[1]!.port));
      assert.equal(lb.stats.failed, 0);
      await apps[0]!.restart();
      const seen = new Set([await text(lb.url), await text(lb.url)]);
      assert.equal(seen.size, 2);
    } finally {
      await lb.close();
    }
  });

  test("with a health path, an instance that turns unready leaves the rotation", async () => {
    const lb = await roundRobinProxy({ targets: apps.map((a) => a.url), healthPath: "/ready", healthIntervalMs: 20 });
    try {
      await fetch(`${apps[0]!.url}/unready`);
      // Wait (bounded) until the health check has noticed.
      for (let i = 0; i < 100 && !(await Promise.all([text(lb.url), text(lb.url)])).every((p) => p === String(apps[1]!.port)); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      for (let i = 0; i < 4; i++) assert.equal(await text(lb.url), String(apps[1]!.port));
    } finally {
      await lb.close();
    }
  });

  test("startProcess waits for a ready line and reports the exit", async () => {
    const worker = await startProcess({ entry, env: { PORT: "0" }, readyPattern: /echo ready/ });
    worker.signal("SIGTERM");
    assert.deepEqual(await worker.exited(), { code: 0, signal: null });
  });

  test("percentiles use the nearest rank", () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
    assert.ok(Number.isNaN(median([])));
  });
});
