/**
 * Step 5: SIGTERM is how a deploy stops a worker. It must finish the job it is running (whether
 * that job succeeds or fails), take no new one, and exit by itself with code 0.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { labServices, type LabEnv } from "#kit/testing/index.ts";
import { enqueueWelcomeEmail } from "../src/welcome-jobs.ts";
import { describeAttempts, eventually, newUser, openScene, settledState, sleep, within } from "./helpers.ts";

const retry = { attempts: 3, backoffDelayMs: 200 };

describe("step 5: a worker stops gracefully on SIGTERM", () => {
  let services: LabEnv;
  before(async () => {
    services = await labServices(["redis"]);
  });

  test("SIGTERM during a send: the job finishes, no new job starts, the process exits with code 0", async (t) => {
    const scene = await openScene(services, "sigterm");
    t.after(() => scene.close());
    const { provider, queue } = scene;
    const running = newUser("running");
    const later = newUser("later");
    provider.configure({ hold: "before-delivery" });
    const worker = await scene.startWorker({ WORKER_CONCURRENCY: "4" });

    await enqueueWelcomeEmail(queue, running, retry);
    await provider.waitUntil(() => provider.heldCount() === 1, "the worker is sending the first email (the provider holds it)");
    worker.signal("SIGTERM");
    // Give the worker time to react to the signal while its job is still held by the provider.
    await sleep(500);
    const early = worker.child.exitCode !== null || worker.child.signalCode !== null;
    assert.ok(
      !early,
      `expected the worker to keep running until its job finished; it exited at once (code ${worker.child.exitCode}, signal ${worker.child.signalCode}). ` +
        "Handle SIGTERM: await worker.close(), which waits for running jobs, then exit.",
    );
    // A job added now must wait for the next worker instead of being started by a closing one.
    await enqueueWelcomeEmail(queue, later, retry);
    await sleep(300);
    provider.configure({ hold: "off" });
    provider.release();

    const exit = await within(worker.exited(), 10_000);
    assert.ok(exit, "expected the worker to exit within 10 s of SIGTERM once its job was done; it is still running (is something left open?)");
    assert.deepEqual(exit, { code: 0, signal: null }, `expected exit code 0 after a graceful close; got ${JSON.stringify(exit)}`);

    const state = await settledState(queue, provider, running.email);
    assert.equal(state, "completed", `expected the job that was running at SIGTERM to be completed; it is "${state}" (${describeAttempts(provider, running.email)})`);
    assert.equal(provider.deliveriesTo(running.email).length, 1, `expected its email to be sent once (${describeAttempts(provider, running.email)})`);
    const laterState = await eventually(async () => settledState(queue, provider, later.email), "the second job is found");
    assert.equal(
      laterState,
      "waiting",
      `expected the job added after SIGTERM to stay waiting for another worker; it is "${laterState}" (${describeAttempts(provider, later.email)})`,
    );
  });

  test("SIGTERM during a send that then fails: the job is kept for its retry and the worker still exits with code 0", async (t) => {
    const scene = await openScene(services, "sigfail");
    t.after(() => scene.close());
    const { provider, queue } = scene;
    const user = newUser("sigfail");
    provider.configure({ hold: "before-delivery" });
    const worker = await scene.startWorker();

    await enqueueWelcomeEmail(queue, user, { attempts: 3, backoffDelayMs: 5000 });
    await provider.waitUntil(() => provider.heldCount() === 1, "the worker is sending the email (the provider holds it)");
    worker.signal("SIGTERM");
    await sleep(500);
    assert.ok(worker.child.exitCode === null && worker.child.signalCode === null, "expected the worker to wait for its running job after SIGTERM; it exited at once");
    // The send that was running fails while the worker drains.
    provider.configure({ hold: "off", failNext: 1 });
    provider.release();

    const exit = await within(worker.exited(), 10_000);
    assert.ok(exit, "expected the worker to exit by itself within 10 s of SIGTERM once its running job had failed; it is still running (does the shutdown wait for a job to complete?)");
    assert.deepEqual(exit, { code: 0, signal: null }, `expected exit code 0 after a graceful close, even though the last job failed; got ${JSON.stringify(exit)}`);
    const state = await settledState(queue, provider, user.email);
    assert.equal(
      state,
      "delayed",
      `expected the failed job to wait for its retry (a later worker sends it); it is "${state}" (${describeAttempts(provider, user.email)})`,
    );
    assert.equal(provider.deliveriesTo(user.email).length, 0, "expected no email yet: the only send failed");
  });
});
