/**
 * Step 1 and bad input: POST /users answers as soon as the user is stored and the email queued;
 * the worker sends the email afterwards. Invalid bodies change nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MongoClient } from "mongodb";
import { labServices, startInstance, type Instance, type LabEnv } from "#kit/testing/index.ts";
import { describeAttempts, jobCount, jobFor, openScene, serverEntry, settle, within, type Scene } from "./helpers.ts";

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

describe("POST /users answers at once and leaves the email to the worker", () => {
  let services: LabEnv;
  let scene: Scene;
  let app: Instance;
  let mongo: MongoClient;

  before(async () => {
    services = await labServices(["redis", "mongo"]);
    scene = await openScene(services, "api");
    // Short backoff so the provider-outage test below retries within a second or two.
    app = await startInstance({ entry: serverEntry, env: { ...scene.env, WELCOME_ATTEMPTS: "5", WELCOME_BACKOFF_MS: "200" } });
    mongo = await new MongoClient(services.mongoUrl).connect();
    await scene.startWorker();
  });
  after(async () => {
    await app?.stop();
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
    assert.ok(await jobFor(scene.queue, email), "expected POST /users to queue a welcome-email job for the new user before answering");

    await provider.waitUntil(() => provider.deliveriesTo(email).length > 0, "the worker sent the welcome email", 10_000).catch((error: Error) => {
      throw new Error(`${error.message}. The answer came, but the email never went out (${describeAttempts(provider, email)}): is the job queued, and is the worker sending it?`);
    });
    const delivery = provider.deliveriesTo(email)[0]!;
    assert.ok(answer.at <= delivery.at, `expected the answer (at ${answer.at}) before the email (at ${delivery.at})`);
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
});
