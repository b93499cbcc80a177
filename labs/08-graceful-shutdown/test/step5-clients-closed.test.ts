import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Queue } from "bullmq";
import { exitReport, exitWithin, redisConnection, request, startApp, waitForOutput } from "./helpers.ts";

describe("step 5: every client is closed, in an order that lets running work finish", { concurrency: true }, () => {
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
      `expected no Redis connections named after this app's namespace when it exited; still open: ${JSON.stringify(report.redisClients)}. The app's client, the queue and the worker each hold connections.`,
    );
    assert.equal(report.mongoClientsOpen, 0, "expected the MongoClient to be closed (and its close awaited) before the process exits");
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
        `expected the job that was running at SIGTERM to be completed; it is "${state}"${job?.failedReason ? ` (${job.failedReason})` : ""}. The job writes to MongoDB at its very end.`,
      );
      assert.equal(code, 0, `expected exit code 0; got ${code}`);
    } finally {
      await queue.close();
    }
  });
});
