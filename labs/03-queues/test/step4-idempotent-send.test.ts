/**
 * Step 4: a rerun of a job must not send a second email. Reruns happen after a crash (the worker
 * died after the provider sent the email) and after a failure the provider reported even though
 * it had sent the email. Only a key that is the same on every run of the job prevents both.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { labServices, type LabEnv } from "#kit/testing/index.ts";
import { enqueueWelcomeEmail } from "../src/welcome-jobs.ts";
import { describeAttempts, eventually, newUser, openScene, settledState } from "./helpers.ts";

const retry = { attempts: 3, backoffDelayMs: 200 };
const recoveryTimeoutMs = 10_000;
const recoveryHint =
  "BullMQ hands a dead worker's job to another worker only after the job's lock expires and a stall check runs (step 3)";

describe("step 4: a rerun of a job sends nothing twice", { concurrency: true }, () => {
  let services: LabEnv;
  before(async () => {
    services = await labServices(["redis"]);
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
    await doomed.kill();
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

  test("the provider sent the email but answered 503: the retry does not send it again", async (t) => {
    const scene = await openScene(services, "lostack");
    t.after(() => scene.close());
    const { provider, queue } = scene;
    const user = newUser("lostack");
    provider.configure({ failAfterDelivery: 1 });
    await scene.startWorker();

    await enqueueWelcomeEmail(queue, user, retry);
    await eventually(
      async () => ((await settledState(queue, provider, user.email)) === "completed" ? true : undefined),
      "the job completed after its retry",
      recoveryTimeoutMs,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: the job is "${await settledState(queue, provider, user.email)}" and ${describeAttempts(provider, user.email)}`);
    });
    assert.ok(provider.attemptsTo(user.email).length >= 2, `expected the job to be retried after the 503; ${describeAttempts(provider, user.email)}`);
    const deliveries = provider.deliveriesTo(user.email).length;
    assert.equal(
      deliveries,
      1,
      `expected the retry not to send a second email; the provider delivered ${deliveries} (${describeAttempts(provider, user.email)}). ` +
        "A retry is another run of the same job: the key must not change between attempts.",
    );
  });

  test("two users each get their own email: the key is per job, not shared", async (t) => {
    const scene = await openScene(services, "twokeys");
    t.after(() => scene.close());
    const { provider, queue } = scene;
    const users = [newUser("keys-a"), newUser("keys-b")];
    await scene.startWorker();
    for (const user of users) await enqueueWelcomeEmail(queue, user, retry);
    for (const user of users) {
      await eventually(async () => ((await settledState(queue, provider, user.email)) === "completed" ? true : undefined), `the job for ${user.email} completed`);
    }
    for (const user of users) {
      assert.equal(
        provider.deliveriesTo(user.email).length,
        1,
        `expected ${user.email} to get exactly one email (${describeAttempts(provider, user.email)}); a key shared by different jobs makes the provider drop all but the first`,
      );
    }
    const keys = users.map((u) => provider.attemptsTo(u.email)[0]?.idempotencyKey);
    assert.ok(keys.every((k) => typeof k === "string" && k.length > 0), `expected every send to carry an idempotency key; got ${JSON.stringify(keys)}`);
  });
});
