import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Queue } from "bullmq";
import { attempt, exitReport, exitWithin, redisConnection, request, startApp, waitForOutput } from "./helpers.ts";

// Each test starts its own app process and signals it, so they can run side by side.
describe("closing down", { concurrency: true }, () => {
  test("Redis, BullMQ and MongoDB connections are all closed by the app before it exits", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "20000" });
    assert.equal((await request(`${app.url}/slow?ms=0`)).status, 200, "test setup: GET /slow?ms=0 should answer 200");
    app.signal("SIGTERM");
    const { code } = await exitWithin(app, 15_000, "nothing is in flight, so it should exit promptly");
    const report = exitReport(app);
    assert.ok(report, `expected the process to exit through process.exit or by itself (the exit report is missing; was it killed?). Output:\n${app.output()}`);
    assert.deepEqual(
      report.redisClients,
      [],
      `expected no Redis connections named after this app's namespace when it exited; still open: ${JSON.stringify(report.redisClients)}. Close the BullMQ worker and queue, and quit() the Redis client, before exiting.`,
    );
    assert.equal(report.mongoClientsOpen, 0, "expected the MongoClient to be closed (await mongo.close()) before the process exits");
    assert.equal(code, 0, `expected exit code 0 after a clean shutdown; got ${code}`);
  });

  test("a background job that is running at SIGTERM finishes before the process exits", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "20000" });
    const queued = await request(`${app.url}/reports`, { method: "POST", body: { ms: 1500 } });
    assert.equal(queued.status, 202, `POST /reports should answer 202; got ${queued.status} ${queued.body}`);
    const { jobId } = JSON.parse(queued.body) as { jobId: string };
    await waitForOutput(app, new RegExp(`job ${jobId} started`));
    app.signal("SIGTERM");
    const { code } = await exitWithin(app, 15_000, "the job takes 1.5 s");

    const queue = new Queue("reports", { connection: await redisConnection(), prefix: app.namespace });
    try {
      const job = await queue.getJob(jobId);
      const state = job ? await job.getState() : "missing";
      assert.equal(
        state,
        "completed",
        `expected the job that was running at SIGTERM to be completed; it is "${state}"${job?.failedReason ? ` (${job.failedReason})` : ""}. Close the worker with await worker.close() (it waits for the running job) before closing MongoDB.`,
      );
      assert.equal(code, 0, `expected exit code 0; got ${code}`);
    } finally {
      await queue.close();
    }
  });

  test("a handler that never finishes is cut off by SHUTDOWN_TIMEOUT_MS with a non-zero exit code", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "1500" });
    const hung = request(`${app.url}/hang`).catch((error: Error) => error);
    await waitForOutput(app, /hang request started/);
    app.signal("SIGTERM");
    const { code, signal } = await exitWithin(app, 20_000, "SHUTDOWN_TIMEOUT_MS is 1500, so the deadline should have ended it");
    await hung;
    assert.equal(signal, null, `expected the app to exit by itself when the deadline passed; it was killed by ${signal}`);
    assert.notEqual(code, 0, "expected a non-zero exit code when the deadline cuts the shutdown short (0 tells the orchestrator all went well)");
    // The deadline is for hangs only: the app must really have been waiting, so the /hang
    // request was still open when it gave up.
    assert.match(app.output(), /hang request started/);
  });

  test("a second signal while draining forces an immediate non-zero exit", async () => {
    // A deadline far longer than the test waits: only the second signal can end this process in time.
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "120000" });
    const hung = request(`${app.url}/hang`).catch((error: Error) => error);
    await waitForOutput(app, /hang request started/);
    app.signal("SIGTERM");
    // Wait until the first signal has visibly started the drain: readiness 503 or the listener closed.
    let seen = await attempt(`${app.url}/ready`);
    for (let i = 0; i < 500 && "status" in seen && seen.status === 200; i++) seen = await attempt(`${app.url}/ready`);
    assert.equal(app.child.exitCode, null, `expected the app to still be draining (a /hang request is open) when the second signal is sent; it had already exited with code ${app.child.exitCode}`);
    app.signal("SIGINT");
    const { code, signal } = await exitWithin(app, 15_000, "a second signal should force the exit");
    await hung;
    assert.ok(signal !== null || (code !== null && code !== 0), `expected a non-zero exit after the second signal; got code ${code}`);
  });

  test("malformed durations and bodies get a 400 with a JSON error, never a 500", async () => {
    const app = await startApp({});
    const cases = [
      { path: "/slow?ms=abc" },
      { path: "/slow?ms=-5" },
      { path: "/slow?ms=999999" },
      { path: "/reports", method: "POST", body: { ms: "soon" } },
      { path: "/reports", method: "POST", body: [] },
    ];
    for (const { path, method, body } of cases) {
      const answer = await request(`${app.url}${path}`, { method, body });
      assert.equal(answer.status, 400, `${method ?? "GET"} ${path} ${JSON.stringify(body ?? "")} should answer 400; got ${answer.status}`);
      const json = JSON.parse(answer.body) as { error?: unknown };
      assert.equal(typeof json.error, "string", `expected a JSON body with an "error" message; got ${answer.body}`);
    }
  });
});
