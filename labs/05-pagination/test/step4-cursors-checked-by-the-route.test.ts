// Step 4, through the route: the server accepts only cursors it issued itself (or a sibling instance
// with the same secret issued); anything else is a 400 with a JSON error. These tests follow a real
// `next` link, so they need steps 3 and 4 together.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { seedMessages, createRandom } from "../src/seed.ts";
import { labServices, startInstance } from "#kit/testing/index.ts";
import { asPage, describeReply, freshDbName, getJson, isJson400, startTestApp, TEST_SECRET, type TestApp } from "./support.ts";

const apps: TestApp[] = [];
const stops: (() => Promise<void>)[] = [];
let app: TestApp;
let dbName: string;
let cursor: string;
let secondPage: string[];

before(async () => {
  dbName = await freshDbName();
  app = await startTestApp({ dbName, seed: (messages) => seedMessages(messages, { count: 120, seed: 7 }) });
  apps.push(app);
  const first = asPage(await app.get("limit=10"), "GET /messages?limit=10");
  assert.equal(typeof first.next, "string", "expected the first of 12 pages to have a next cursor");
  cursor = first.next!;
  secondPage = asPage(await app.get(`after=${encodeURIComponent(cursor)}&limit=10`), "following next").items.map((m) => m.id);
});
after(async () => {
  await app.db.dropDatabase().catch(() => {});
  await Promise.all(stops.map((stop) => stop()));
  await Promise.all(apps.map((a) => a.close()));
});

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64url");

test("malformed and hand-made cursors get 400 with a JSON error", async () => {
  const random = createRandom(5);
  const randomBytes = Buffer.from(Array.from({ length: 48 }, () => Math.floor(random() * 256))).toString("base64url");
  const cases: Record<string, string> = {
    "empty after": "after=",
    "not base64": `after=${encodeURIComponent("not a cursor!!")}`,
    "random base64": `after=${randomBytes}`,
    "base64 of JSON with other fields": `after=${b64(JSON.stringify({ page: 2 }))}`,
    "base64 of a JSON array": `after=${b64("[1,2]")}`,
    "base64 of null": `after=${b64("null")}`,
    "a non-ObjectId id": `after=${b64(JSON.stringify({ t: 1735689600000, id: "not-an-object-id" }))}`,
    "a string timestamp": `after=${b64(JSON.stringify({ t: "yesterday", id: "65a1b2c3d4e5f60718293a4b" }))}`,
    "an operator as the id": `after=${b64(JSON.stringify({ t: 1735689600000, id: { $gt: "" } }))}`,
    "an offset-style number": "after=40",
    "a bare ObjectId": "after=65a1b2c3d4e5f60718293a4b",
    "an array (after[]=x)": "after[]=x",
    "two cursors": `after=${encodeURIComponent(cursor)}&after=${encodeURIComponent(cursor)}`,
    "an object (after[$gt]=)": "after[$gt]=",
    "the cursor plus junk": `after=${encodeURIComponent(cursor)}x`,
    "a very long string": `after=${"A".repeat(5000)}`,
    "unicode": `after=${encodeURIComponent("ÿ✓😀")}`,
    "a NUL byte": "after=%00",
  };
  const wrong: string[] = [];
  for (const [name, query] of Object.entries(cases)) {
    const reply = await app.get(query);
    if (!isJson400(reply)) wrong.push(`${name}: ${describeReply(reply)}`);
  }
  assert.deepEqual(wrong, [], "each of these should be 400 with {\"error\": \"...\"}");
});

/** Change character i so the decoded bytes really change: flip the top bit of its base64url value. */
function tamper(text: string, i: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const at = alphabet.indexOf(text[i]!);
  const replacement = at >= 0 ? alphabet[at ^ 32]! : "A";
  return text.slice(0, i) + replacement + text.slice(i + 1);
}

test("a cursor with any one character changed gets 400", async () => {
  // An unsigned cursor can be edited into another valid position; a signed one cannot.
  const accepted: string[] = [];
  for (let i = 0; i < cursor.length; i++) {
    const reply = await app.get(`after=${encodeURIComponent(tamper(cursor, i))}&limit=10`);
    if (!isJson400(reply)) accepted.push(`position ${i}: ${describeReply(reply).slice(0, 80)}`);
  }
  assert.deepEqual(
    accepted,
    [],
    `expected every edited copy of the cursor ${cursor} to be rejected with 400; sign the cursor (HMAC) so edits are detectable`,
  );
});

test("a cursor from another instance with the same secret leads to the same page", async () => {
  // A separate server process: cursors must carry everything needed (no per-process memory,
  // no per-process secret), so any instance behind the load balancer can serve the next page.
  const { env } = await labServices(["mongo"]);
  const sibling = await startInstance({
    entry: new URL("../src/server.ts", import.meta.url),
    env: { ...env, WORKBOOK_NS: dbName, CURSOR_SECRET: TEST_SECRET },
  });
  stops.push(() => sibling.stop());
  const page = asPage(await getJson(`${sibling.url}/messages?after=${encodeURIComponent(cursor)}&limit=10`), "the cursor on a second instance");
  assert.deepEqual(page.items.map((m) => m.id), secondPage, "expected the second instance to return the same second page");
});

test("a cursor issued by a server with a different secret gets 400", async () => {
  const foreign = await startTestApp({ dbName, secret: "some-other-deployment" });
  apps.push(foreign);
  const theirs = asPage(await foreign.get("limit=10"), "GET /messages?limit=10 on the other deployment").next;
  assert.equal(typeof theirs, "string", "expected the other deployment to issue a cursor too");
  const reply = await app.get(`after=${encodeURIComponent(theirs!)}&limit=10`);
  assert.ok(isJson400(reply), `expected a cursor signed with another secret to get 400 with a JSON error; got ${describeReply(reply)}`);
});
