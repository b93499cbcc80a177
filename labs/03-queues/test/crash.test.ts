/**
 * Steps 3 and 4: a worker process killed in the middle of a job. BullMQ puts the job back once its
 * lock expires; another worker must then send the email exactly once.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { labServices, type LabEnv } from "#kit/testing/index.ts";
import { enqueueWelcomeEmail } from "../src/welcome-jobs.ts";
import { describeAttempts, eventually, newUser, openScene, settledState } from "./helpers.ts";

const retry = { attempts: 3, backoffDelayMs: 200 };
/** How long a new worker gets to pick up a dead worker's job; with the tests' settings it takes about 3 s. */
const recoveryTimeoutMs = 10_000;
const recoveryHint =
  "BullMQ hands a dead worker's job to another worker only after the job's lock expires (lockDuration) and a stall check runs (stalledInterval); " +
  "pass config.worker.lockDurationMs and config.worker.stalledIntervalMs to the Worker (the tests set them to 2 s and 1 s)";

// The two tests use separate queues and providers, so they run side by side to halve the wait.
describe("a worker that dies mid-job loses nothing and sends nothing twice", { concurrency: true }, () => {
  let services: LabEnv;
  before(async () => {
    services = await labServices(["redis"]);
  });

  test("a worker killed while sending: a new worker sends the email once and completes the job", async (t) => {
    const scene = await openScene(services, "killsend");
    t.after(() => scene.close());
    const { provider, queue } = scene;
    const user = newUser("killsend");
    provider.configure({ hold: "before-delivery" });
    const doomed = await scene.startWorker();

    await enqueueWelcomeEmail(queue, user, retry);
    await provider.waitUntil(() => provider.heldCount() === 1, "the first worker is sending the email (the provider holds it, unsent)");
    doomed.signal("SIGKILL");
    await doomed.exited();
    // The provider drops a request whose client has gone: nothing was sent.
    await provider.waitUntil(() => provider.attemptsTo(user.email)[0]?.outcome === "aborted", "the provider saw the killed worker's request end");
    provider.configure({ hold: "off" });
    provider.release();

    await scene.startWorker();
    const state = await eventually(
      async () => {
        const current = await settledState(queue, provider, user.email);
        return current === "completed" || current === "failed" ? current : undefined;
      },
      "the job was finished by the second worker",
      recoveryTimeoutMs,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: the job is "${await settledState(queue, provider, user.email)}" and ${describeAttempts(provider, user.email)}. ${recoveryHint}`);
    });
    assert.equal(state, "completed", `expected the second worker to complete the job; it is "${state}" (${describeAttempts(provider, user.email)})`);
    const deliveries = provider.deliveriesTo(user.email).length;
    assert.equal(
      deliveries,
      1,
      `expected the welcome email to be sent exactly once; the provider delivered ${deliveries} (${describeAttempts(provider, user.email)}). ` +
        "A job must only complete once its email has really been sent: await the send in the processor.",
    );
  });

  test("a worker killed after the provider sent the email: the rerun does not send it again", async (t) => {
    const scene = await openScene(services, "killack");
    t.after(() => scene.close());
    const { provider, queue } = scene;
    const user = newUser("killack");
    provider.configure({ hold: "after-delivery" });
    const doomed = await scene.startWorker();

    await enqueueWelcomeEmail(queue, user, retry);
    // The email is out, but the worker dies before it hears so and before it marks the job done.
    await provider.waitUntil(() => provider.heldCount() === 1 && provider.deliveriesTo(user.email).length === 1, "the provider sent the email and holds its answer");
    doomed.signal("SIGKILL");
    await doomed.exited();
    provider.configure({ hold: "off" });
    provider.release();

    await scene.startWorker();
    await eventually(
      async () => ((await settledState(queue, provider, user.email)) === "completed" ? true : undefined),
      "the job was completed by the second worker",
      recoveryTimeoutMs,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: the job is "${await settledState(queue, provider, user.email)}" and ${describeAttempts(provider, user.email)}. ${recoveryHint}`);
    });
    assert.ok(provider.attemptsTo(user.email).length >= 2, `expected the second worker to run the job again; ${describeAttempts(provider, user.email)}`);
    const deliveries = provider.deliveriesTo(user.email).length;
    assert.equal(
      deliveries,
      1,
      `expected the rerun not to send a second email; the provider delivered ${deliveries} (${describeAttempts(provider, user.email)}). ` +
        "Give the provider an idempotency key that is the same on every run of the job.",
    );
  });
});
