import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { roundRobinProxy, startInstance, startInstances, startProcess, stopAll, type Instance } from "../testing/index.ts";
import { median, percentile } from "../stats.ts";

const entry = new URL("./fixtures/echo-server.ts", import.meta.url);
const signals = new URL("./fixtures/signals.ts", import.meta.url);
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
    // Fractional percentiles: the 999th of 1,000 values is p99.9, whatever floating point makes of 99.9.
    const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
    assert.equal(percentile(thousand, 99.9), 999);
    assert.equal(percentile(thousand, 99.99), 1000);
    assert.equal(percentile(Array.from({ length: 3000 }, (_, i) => i + 1), 99.9), 2997);
  });
});

describe("stopping processes: they must exit by themselves", () => {
  const alive = (instance: { child: { exitCode: number | null; signalCode: string | null } }) => instance.child.exitCode === null && instance.child.signalCode === null;

  test("a process that exits with code 0 on SIGTERM stops cleanly", async () => {
    const app = await startInstance({ entry: signals, env: { SIGTERM_MODE: "exit-0" } });
    await app.stop();
    assert.deepEqual(await app.exited(), { code: 0, signal: null });
  });

  test("a process with no SIGTERM handler, ended by the signal itself, stops cleanly", async () => {
    const worker = await startProcess({ entry: signals, env: { SIGTERM_MODE: "default" }, readyPattern: /signals ready/ });
    await worker.stop();
    assert.deepEqual(await worker.exited(), { code: null, signal: "SIGTERM" });
  });

  test("a process that ignores SIGTERM fails stop(), named, and is killed", async () => {
    const apps = await startInstances(2, { entry: signals, env: { SIGTERM_MODE: "ignore" } });
    try {
      await assert.rejects(apps[1]!.stop({ timeoutMs: 300 }), (error: Error) => {
        assert.match(error.message, new RegExp(`^instance 2 \\(kit/test/fixtures/signals\\.ts, pid ${apps[1]!.child.pid}\\) did not exit within 300 ms of SIGTERM; killed it\\.`));
        assert.match(error.message, /SIGTERM ignored/, "the message shows the process's last output");
        return true;
      });
      assert.deepEqual(await apps[1]!.exited(), { code: null, signal: "SIGKILL" });
    } finally {
      await Promise.all(apps.map((a) => a.kill()));
    }
  });

  test("a worker that ignores SIGTERM fails stop() with the name it was given", async () => {
    const worker = await startProcess({ entry: signals, env: { SIGTERM_MODE: "ignore" }, readyPattern: /signals ready/, name: "worker 1" });
    await assert.rejects(worker.stop({ timeoutMs: 300 }), /^Error: worker 1 \(kit\/test\/fixtures\/signals\.ts, pid \d+\) did not exit within 300 ms of SIGTERM; killed it/);
    assert.equal(worker.child.signalCode, "SIGKILL");
  });

  test("a process that exits with code 1 when 0 was expected fails stop(); expectCode changes what is expected", async () => {
    const app = await startInstance({ entry: signals, env: { SIGTERM_MODE: "exit-1" } });
    await assert.rejects(app.stop(), /^Error: instance \(kit\/test\/fixtures\/signals\.ts, pid \d+\) exited with code 1 after SIGTERM; expected code 0/);
    const other = await startInstance({ entry: signals, env: { SIGTERM_MODE: "exit-1" } });
    await other.stop({ expectCode: 1 });
    assert.deepEqual(await other.exited(), { code: 1, signal: null });
  });

  test("kill() ends even a process that ignores SIGTERM, without failing", async () => {
    const app = await startInstance({ entry: signals, env: { SIGTERM_MODE: "ignore" } });
    assert.ok(alive(app));
    assert.deepEqual(await app.kill(), { code: null, signal: "SIGKILL" });
    assert.ok(!alive(app));
    await app.stop(); // already gone: nothing left to assert
  });

  test("stopAll stops every instance and reports every failure, not just the first", async () => {
    const apps = [
      await startInstance({ entry: signals, env: { SIGTERM_MODE: "ignore" }, name: "instance 1" }),
      await startInstance({ entry: signals, env: { SIGTERM_MODE: "exit-0" }, name: "instance 2" }),
      await startInstance({ entry: signals, env: { SIGTERM_MODE: "exit-1" }, name: "instance 3" }),
    ];
    await assert.rejects(stopAll(apps, { timeoutMs: 300 }), (error: Error) => {
      assert.match(error.message, /^2 of 3 process\(es\) did not stop cleanly:/);
      assert.match(error.message, /- instance 1 \(.*\) did not exit within 300 ms of SIGTERM; killed it/);
      assert.match(error.message, /- instance 3 \(.*\) exited with code 1 after SIGTERM/);
      assert.doesNotMatch(error.message, /instance 2/);
      return true;
    });
    assert.ok(apps.every((a) => !alive(a)), "every instance is gone afterwards");
  });
});
