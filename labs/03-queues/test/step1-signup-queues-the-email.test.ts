/**
 * Step 1: POST /users answers as soon as the user is stored and Redis has acknowledged the
 * welcome-email job, never before; the worker sends the email afterwards. Invalid bodies change
 * nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { MongoClient } from "mongodb";
import { labServices, startInstance, type Instance, type LabEnv } from "#kit/testing/index.ts";
import { parseNewUser } from "../src/user-input.ts";
import { describeAttempts, jobCount, jobFor, openScene, serverEntry, settle, sleep, within, type Scene } from "./helpers.ts";
import { startRedisGate, type RedisGate } from "./redis-gate.ts";

interface Answer {
  status: number;
  body: unknown;
  /** Date.now() when the whole answer had arrived. */
  at: number;
}

async function post(app: Instance, body: string, contentType = "application/json"): Promise<Answer> {
  const response = await fetch(`${app.url}/users`, { method: "POST", headers: { "content-type": contentType }, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left as text: the assertion below reports it.
  }
  return { status: response.status, body: parsed, at: Date.now() };
}

const errorMessage = (body: unknown) =>
  typeof body === "object" && body !== null && "error" in body && typeof body.error === "string" && body.error.length > 0 ? body.error : undefined;

describe("step 1: POST /users answers at once and leaves the email to the worker", () => {
  let services: LabEnv;
  let scene: Scene;
  let app: Instance;
  let mongo: MongoClient;
  let gate: RedisGate;

  before(async () => {
    services = await labServices(["redis", "mongo"]);
    scene = await openScene(services, "api");
    // The API reaches Redis through a gate the tests can close, to see when it answers.
    gate = await startRedisGate(services.redisUrl);
    // Short backoff so the provider-outage test below retries within a second or two.
    app = await startInstance({ entry: serverEntry, env: { ...scene.env, REDIS_URL: gate.url, WELCOME_ATTEMPTS: "5", WELCOME_BACKOFF_MS: "200" } });
    mongo = await new MongoClient(services.mongoUrl).connect();
    await scene.startWorker();
  });
  after(async () => {
    gate?.release();
    await app?.stop();
    await gate?.close();
    await scene?.close();
    await mongo?.db(scene.prefix).dropDatabase().catch(() => {});
    await mongo?.close();
  });

  test("POST /users answers 201 while the welcome email is still unsent, and the worker sends it afterwards", async () => {
    const { provider } = scene;
    provider.configure({ hold: "before-delivery" });
    const email = `order-${Date.now()}@example.test`;

    const answer = await within(post(app, JSON.stringify({ email, name: "Order" })), 5_000);
    const sentBeforeAnswer = provider.deliveriesTo(email).length;
    provider.configure({ hold: "off" });
    provider.release();
    if (!answer) {
      assert.fail(
        "expected POST /users to answer while the email provider was still holding the welcome email; " +
          "it had not answered after 5 s, so the request is waiting for the email to be sent.",
      );
    }
    assert.equal(answer.status, 201, `expected 201 Created; got ${answer.status} ${JSON.stringify(answer.body)}`);
    assert.equal(sentBeforeAnswer, 0, "expected the answer to arrive before the email was sent");
    const job = await jobFor(scene.queue, email);
    assert.ok(job, "expected POST /users to queue a welcome-email job for the new user before answering");
    const user = answer.body as { id?: unknown; name?: unknown };
    assert.deepEqual(
      { userId: job.data.userId, email: job.data.email, name: job.data.name },
      { userId: user.id, email, name: "Order" },
      `expected the job to carry the stored user's id (as userId), email and name; the job holds ${JSON.stringify(job.data)} and the answer was ${JSON.stringify(user)}`,
    );

    await provider.waitUntil(() => provider.deliveriesTo(email).length > 0, "the worker sent the welcome email", 10_000).catch((error: Error) => {
      throw new Error(`${error.message}. The answer came, but the email never went out (${describeAttempts(provider, email)}): is the job queued, and is the worker sending it?`);
    });
    const delivery = provider.deliveriesTo(email)[0]!;
    assert.ok(answer.at <= delivery.at, `expected the answer (at ${answer.at}) before the email (at ${delivery.at})`);
  });

  test("the 201 is sent only after Redis has acknowledged the job, never before", async () => {
    // Warm up: the API's connection to Redis is open and BullMQ's scripts are loaded.
    const warm = await post(app, JSON.stringify({ email: `warm-${Date.now()}@example.test`, name: "Warm" }));
    assert.equal(warm.status, 201, `expected 201 for a valid sign-up; got ${warm.status} ${JSON.stringify(warm.body)}`);
    const email = `acked-${Date.now()}@example.test`;
    gate.hold();
    let answeredAt: number | undefined;
    const pending = post(app, JSON.stringify({ email, name: "Acked" })).then((answer) => {
      answeredAt = Date.now();
      return answer;
    });
    try {
      const deadline = Date.now() + 10_000;
      while (gate.heldBytes() === 0 && answeredAt === undefined && Date.now() < deadline) await sleep(20);
      // The add is now on its way to Redis and held there. Give a wrong order every chance to show.
      await sleep(1000);
      assert.equal(
        answeredAt,
        undefined,
        "expected POST /users to wait for Redis to acknowledge the welcome-email job; it answered while the job was still on its way to Redis " +
          `(${gate.heldBytes()} bytes held). A 201 must mean the email is safely queued: await the add before answering.`,
      );
    } finally {
      gate.release();
    }
    const answer = await pending;
    assert.equal(answer.status, 201, `expected 201 once Redis acknowledged the job; got ${answer.status} ${JSON.stringify(answer.body)}`);
    assert.ok(await jobFor(scene.queue, email), "expected the job to be in Redis when the answer came");
  });

  test("two sign-ups queue two jobs, one per user", async () => {
    const emails = [`first-${Date.now()}@example.test`, `second-${Date.now()}@example.test`];
    for (const email of emails) {
      const answer = await post(app, JSON.stringify({ email, name: "Pair" }));
      assert.equal(answer.status, 201, `expected 201; got ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    for (const email of emails) {
      const job = await jobFor(scene.queue, email);
      assert.ok(job, `expected a welcome-email job for ${email}; the queue holds jobs for ${JSON.stringify((await Promise.all(emails.map((e) => jobFor(scene.queue, e)))).map((j) => j?.data.email))}`);
    }
    await settle(scene);
    for (const email of emails) assert.equal(scene.provider.deliveriesTo(email).length, 1, `expected one welcome email to ${email} (${describeAttempts(scene.provider, email)})`);
  });

  test("a sign-up while the email provider is failing still gets 201, and the email goes out once it recovers", async (t) => {
    const { provider } = scene;
    const email = `outage-${Date.now()}@example.test`;
    provider.configure({ failNext: 2 });
    t.after(() => provider.configure({ failNext: 0 }));
    const answer = await post(app, JSON.stringify({ email, name: "Outage" }));
    assert.equal(answer.status, 201, `expected 201 even though the provider is failing (the email is retried later); got ${answer.status} ${JSON.stringify(answer.body)}`);
    await provider.waitUntil(() => provider.deliveriesTo(email).length > 0, "the welcome email was delivered after the provider recovered", 10_000).catch((error: Error) => {
      throw new Error(`${error.message} (${describeAttempts(provider, email)}): are failed sends retried?`);
    });
    assert.equal(provider.deliveriesTo(email).length, 1, `expected exactly one email (${describeAttempts(provider, email)})`);
  });

  test("an invalid body gets 400 with a JSON error, and nothing is created or queued", async () => {
    await settle(scene);
    const users = mongo.db(scene.prefix).collection("users");
    const usersBefore = await users.countDocuments();
    const jobsBefore = await jobCount(scene.queue);
    const attemptsBefore = scene.provider.attempts.length;
    const bad: Array<[string, string, string?]> = [
      ["malformed JSON", "{\"email\": "],
      ["missing email", JSON.stringify({ name: "No Email" })],
      ["not an email", JSON.stringify({ email: "not-an-email", name: "X" })],
      ["empty name", JSON.stringify({ email: "a@example.test", name: "  " })],
      ["name not a string", JSON.stringify({ email: "a@example.test", name: 42 })],
      ["unknown field", JSON.stringify({ email: "a@example.test", name: "X", isAdmin: true })],
      ["an array", JSON.stringify([{ email: "a@example.test", name: "X" }])],
      ["not JSON at all", "email=a@example.test", "application/x-www-form-urlencoded"],
    ];
    for (const [label, body, contentType] of bad) {
      const answer = await post(app, body, contentType);
      assert.equal(answer.status, 400, `${label}: expected 400; got ${answer.status} ${JSON.stringify(answer.body)}`);
      assert.ok(errorMessage(answer.body), `${label}: expected a JSON body { "error": "..." }; got ${JSON.stringify(answer.body)}`);
    }
    assert.equal(await users.countDocuments(), usersBefore, "expected no user to be created from an invalid body");
    assert.equal(await jobCount(scene.queue), jobsBefore, "expected no job to be queued for an invalid body");
    assert.equal(scene.provider.attempts.length, attemptsBefore, "expected no email for an invalid body");
  });

  test("signing up twice with the same email gets 409 and sends no second email", async () => {
    const email = `twice-${Date.now()}@example.test`;
    const first = await post(app, JSON.stringify({ email, name: "Twice" }));
    assert.equal(first.status, 201, `expected the first sign-up to succeed; got ${first.status} ${JSON.stringify(first.body)}`);
    await settle(scene);
    const jobsAfterFirst = await jobCount(scene.queue);
    const second = await post(app, JSON.stringify({ email, name: "Twice again" }));
    assert.equal(second.status, 409, `expected 409 Conflict for an email already signed up; got ${second.status} ${JSON.stringify(second.body)}`);
    assert.ok(errorMessage(second.body), `expected a JSON error body; got ${JSON.stringify(second.body)}`);
    await settle(scene);
    assert.equal(await jobCount(scene.queue), jobsAfterFirst, "expected the refused sign-up to queue no job");
    assert.equal(scene.provider.deliveriesTo(email).length, 1, `expected one welcome email for the address (${describeAttempts(scene.provider, email)})`);
  });

  test("any body: 201 and one queued job for a valid user, 400 and nothing queued otherwise", async () => {
    await settle(scene);
    const jobsBefore = await jobCount(scene.queue);
    let created = 0;
    const field = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.boolean());
    const email = fc.oneof(fc.emailAddress(), field);
    const name = fc.oneof(fc.string({ maxLength: 110 }), field);
    const body = fc.oneof(
      fc.record({ email, name }),
      fc.record({ email, name }, { requiredKeys: [] }),
      fc.record({ email, name, extra: field }),
      fc.anything(),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const text = JSON.stringify(value) ?? "null";
        const answer = await post(app, text);
        const valid = parseNewUser(JSON.parse(text)).ok;
        if (answer.status === 409) return; // fast-check found an address already used above
        if (valid) {
          assert.equal(answer.status, 201, `expected 201 for ${text}; got ${answer.status} ${JSON.stringify(answer.body)}`);
          created++;
        } else {
          assert.equal(answer.status, 400, `expected 400 for ${text}; got ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      }),
      { numRuns: 40, seed: 311 },
    );
    await settle(scene);
    const jobs = await jobCount(scene.queue);
    assert.equal(jobs - jobsBefore, created, `expected exactly one job per user created (${created}); ${jobs - jobsBefore} jobs were queued`);
  });

  // Last in this file: it makes Redis refuse commands for a moment.
  test("when Redis refuses the job, the sign-up is not answered 201", async () => {
    const email = `refused-${Date.now()}@example.test`;
    gate.refuse();
    let answer: Answer;
    try {
      answer = await post(app, JSON.stringify({ email, name: "Refused" }));
    } finally {
      gate.accept();
    }
    assert.ok(gate.refusedCount() > 0, "expected the sign-up to try to add a job to Redis");
    assert.ok(
      answer.status >= 500,
      `expected an error status (5xx) when Redis refused the welcome-email job; got ${answer.status} ${JSON.stringify(answer.body)}. ` +
        "A 201 promises the email is queued: an add that failed must not be swallowed.",
    );
    assert.equal(await jobFor(scene.queue, email), undefined, "expected no job for the refused sign-up");
    const after = await post(app, JSON.stringify({ email: `after-${Date.now()}@example.test`, name: "After" }));
    assert.equal(after.status, 201, `expected sign-ups to work again once Redis accepts commands; got ${after.status} ${JSON.stringify(after.body)}`);
  });
});
