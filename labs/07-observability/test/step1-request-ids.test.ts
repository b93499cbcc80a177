import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { completionLine, get, startApp, UUID_V4 } from "./helpers.ts";

// The README's rule for an incoming X-Request-Id: kept when it is 1 to 128 characters, each a letter,
// a digit or one of . _ : -  (as the server received it: HTTP drops spaces and tabs around a value).
const SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-";
const isKept = (received: string) => received.length >= 1 && received.length <= 128 && [...received].every((c) => SAFE.includes(c));
// Everything an HTTP client may put in a header value: tab, printable ASCII and Latin-1 bytes.
const HEADER_CHARS = ["\t", ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)), ...Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x80 + i))];
const UNSAFE = HEADER_CHARS.filter((c) => !SAFE.includes(c));
const safeId = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...SAFE), minLength, maxLength });

const incomingIds = fc.oneof(
  safeId(1, 128), // kept
  safeId(120, 128), // kept: long, but within the bound
  safeId(129, 400), // replaced: too long
  fc.tuple(safeId(0, 60), fc.constantFrom(...UNSAFE), safeId(1, 60)).map(([a, c, b]) => a + c + b), // replaced: one bad character inside
  fc.string({ unit: fc.constantFrom(...HEADER_CHARS), maxLength: 200 }), // anything at all
);

describe("step 1: request ids", () => {
  test("an incoming X-Request-Id is echoed in the response header and logged with the request", async () => {
    const app = await startApp();
    const answer = await get(`${app.url}/users/2`, { "x-request-id": "checkout-7f3a-42" });
    assert.equal(answer.headers["x-request-id"], "checkout-7f3a-42", "expected the response to echo the incoming X-Request-Id");
    const line = await completionLine(app, "checkout-7f3a-42");
    assert.ok(line, "expected the log line to carry the incoming id");
  });

  test("a request without X-Request-Id gets a fresh random UUID (version 4), in the response header and in the log line", async () => {
    const app = await startApp();
    const first = await get(`${app.url}/users/1`);
    const second = await get(`${app.url}/users/1`);
    const id = String(first.headers["x-request-id"] ?? "");
    assert.match(id, UUID_V4, `expected a generated random UUID (version 4) in the X-Request-Id response header; got "${id}"`);
    assert.notEqual(second.headers["x-request-id"], id, "expected each request to get its own id");
    await completionLine(app, id);
  });

  test("generated ids come from a cryptographic source: they stay unique while Math.random is rigged", async () => {
    const app = await startApp();
    const random = Math.random;
    // The app runs in this process: if its ids came from Math.random, they would now all be the same.
    Math.random = () => 0.5;
    const ids: string[] = [];
    try {
      for (let i = 0; i < 20; i++) ids.push(String((await get(`${app.url}/users/1`)).headers["x-request-id"] ?? ""));
    } finally {
      Math.random = random;
    }
    const distinct = new Set(ids);
    assert.equal(distinct.size, 20, `expected 20 different ids while Math.random always returns 0.5; got ${distinct.size} different (e.g. ${ids[0]}). Use the crypto module, not Math.random.`);
    for (const id of ids) assert.match(id, UUID_V4, `expected every generated id to be a random UUID; got "${id}"`);
  });

  test("any incoming X-Request-Id is kept only when it is 1-128 safe characters, else replaced (property, 300 values)", async () => {
    const app = await startApp();
    await fc.assert(
      fc.asyncProperty(incomingIds, async (sent) => {
        const received = sent.replace(/^[ \t]+|[ \t]+$/g, "");
        const answer = await get(`${app.url}/users/1`, { "x-request-id": sent });
        const echoed = String(answer.headers["x-request-id"] ?? "");
        if (isKept(received)) {
          assert.equal(echoed, received, `expected the safe id ${JSON.stringify(received)} (${received.length} characters) to be kept and echoed; got ${JSON.stringify(echoed.slice(0, 80))}`);
        } else {
          assert.match(
            echoed,
            UUID_V4,
            `expected the unsafe id ${JSON.stringify(received.slice(0, 80))}${received.length > 80 ? "..." : ""} (${received.length} characters) to be replaced by a generated UUID; the response said ${JSON.stringify(echoed.slice(0, 80))}`,
          );
        }
      }),
      { numRuns: 300, seed: 711, endOnFailure: true },
    );
  });
});
