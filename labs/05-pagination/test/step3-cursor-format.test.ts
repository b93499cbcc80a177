// Step 3, as properties of src/cursor.ts itself (no server): over the whole input space the README
// defines, a cursor round-trips exactly, uses only URL-safe characters, and decodeCursor accepts
// nothing but what encodeCursor issued with the same secret. fast-check runs with fixed seeds; a
// failure prints the smallest input it found.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ObjectId } from "mongodb";
import { decodeCursor, encodeCursor } from "../src/cursor.ts";
import { sign } from "../src/signing.ts";

const SECRET = "cursor-format-secret";
const URL_SAFE_CURSOR = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_DATE_MS = 8.64e15;

// Any millisecond between 1970 and 2100, and any 12-byte ObjectId.
const positions = fc
  .tuple(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), fc.uint8Array({ minLength: 12, maxLength: 12 }))
  .map(([ms, bytes]) => ({ createdAt: new Date(ms), id: new ObjectId(Buffer.from(bytes)) }));
const secrets = fc.string({ minLength: 1, maxLength: 64 });
const show = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (v instanceof ObjectId ? v.toHexString() : v));

/** A cursor in the README's format, signed with SECRET, around any payload text (already base64url or not). */
function signedCursor(payloadText: string, encoding: "base64url" | "base64" = "base64url"): string {
  const payload = Buffer.from(payloadText, "utf8").toString(encoding);
  return `${payload}.${sign(payload, SECRET)}`;
}

function decodesToNothing(value: unknown, what: string): void {
  let decoded: unknown;
  try {
    decoded = decodeCursor(value, SECRET);
  } catch (error) {
    assert.fail(`${what}: decodeCursor must return undefined, never throw; it threw ${(error as Error).message}`);
  }
  assert.equal(decoded, undefined, `${what}: expected decodeCursor to return undefined; it returned ${show(decoded)}`);
}

test("every position round-trips exactly (millisecond and _id) through a URL-safe cursor under 200 characters", () => {
  fc.assert(
    fc.property(positions, secrets, (position, secret) => {
      const cursor = encodeCursor(position, secret);
      assert.equal(typeof cursor, "string", "encodeCursor must return a string");
      assert.match(cursor, URL_SAFE_CURSOR, `cursor ${JSON.stringify(cursor)} for ${show(position)}: expected <base64url payload>.<base64url signature>, no "+", "/", "=" or other characters`);
      assert.ok(cursor.length <= 200, `cursor for ${show(position)} is ${cursor.length} characters; expected at most 200`);
      // The wire format is a contract (README, step 3): the tests below forge cursors in it.
      const [payload = "", signature = ""] = cursor.split(".");
      let inside: unknown;
      try {
        inside = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      } catch {
        inside = `(not JSON: ${Buffer.from(payload, "base64url").toString("utf8").slice(0, 60)})`;
      }
      assert.deepEqual(inside, { t: position.createdAt.getTime(), id: position.id.toHexString() }, `the payload of ${cursor} for ${show(position)}: expected base64url of {"t": <ms since epoch>, "id": "<24 hex>"}`);
      assert.equal(signature, sign(payload, secret), `the signature of ${cursor}: expected sign(payload, secret), the HMAC of the base64url payload text`);
      const back = decodeCursor(cursor, secret);
      assert.ok(back, `decodeCursor(encodeCursor(${show(position)})) returned ${show(back)}; expected the same position back`);
      assert.equal(back.createdAt.getTime(), position.createdAt.getTime(), `createdAt of ${show(position)} came back as ${back.createdAt.toISOString()} (milliseconds must survive)`);
      assert.equal(back.id.toHexString(), position.id.toHexString(), `id of ${show(position)} came back as ${back.id.toHexString()}`);
      assert.ok(back.id instanceof ObjectId && back.createdAt instanceof Date, "expected { createdAt: Date, id: ObjectId }");
    }),
    { numRuns: 300, seed: 51 },
  );
});

test("a cursor is rejected under any other secret", () => {
  fc.assert(
    fc.property(positions, secrets, secrets, (position, mine, theirs) => {
      fc.pre(mine !== theirs);
      decodesToNothing(encodeCursor(position, theirs), `a cursor for ${show(position)} signed with ${JSON.stringify(theirs)}, checked with ${JSON.stringify(mine)}`);
    }),
    { numRuns: 200, seed: 52 },
  );
});

test("any value that is not a cursor decodes to undefined without throwing (strings, arrays, objects, numbers)", () => {
  const values = fc.oneof(fc.anything(), fc.string({ maxLength: 300 }), fc.string({ unit: "grapheme", maxLength: 80 }), fc.base64String({ maxLength: 120 }));
  fc.assert(
    fc.property(values, (value) => decodesToNothing(value, `decodeCursor(${show(value)?.slice(0, 120)})`)),
    { numRuns: 500, seed: 53 },
  );
});

test("a real cursor with one character changed, cut short, or with anything appended is rejected", () => {
  const edits = fc.tuple(positions, fc.nat(), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/= "), fc.string({ minLength: 1, maxLength: 5 }));
  fc.assert(
    fc.property(edits, ([position, at, char, tail]) => {
      const cursor = encodeCursor(position, SECRET);
      const i = at % cursor.length;
      if (cursor[i] !== char) decodesToNothing(cursor.slice(0, i) + char + cursor.slice(i + 1), `${cursor} with character ${i} replaced by ${JSON.stringify(char)}`);
      decodesToNothing(cursor.slice(0, i), `${cursor} cut to its first ${i} characters`);
      decodesToNothing(cursor + tail, `${cursor} followed by ${JSON.stringify(tail)}`);
    }),
    { numRuns: 300, seed: 54 },
  );
});

test("a real cursor written any other way is rejected: with whitespace around it, or with a character percent-encoded", () => {
  const spaces = fc.constantFrom(" ", "\t", "\n", "\r\n", "\u00a0");
  fc.assert(
    fc.property(positions, fc.nat(), spaces, fc.boolean(), (position, at, space, before) => {
      const cursor = encodeCursor(position, SECRET);
      decodesToNothing(before ? space + cursor : cursor + space, `${JSON.stringify(before ? space + cursor : cursor + space)} (whitespace around a real cursor)`);
      const i = at % cursor.length;
      const encoded = `${cursor.slice(0, i)}%${cursor.charCodeAt(i).toString(16).toUpperCase()}${cursor.slice(i + 1)}`;
      decodesToNothing(encoded, `${encoded} (character ${i} of a real cursor percent-encoded)`);
    }),
    { numRuns: 100, seed: 57 },
  );
});

// Payloads a correctly signed cursor could carry after a secret leak or a format change: none
// of them is a position, so each must decode to undefined.
const hex24 = fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => Buffer.from(b).toString("hex"));
const goodT = fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) });
const badPayloads = fc.oneof(
  fc.record({ t: fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }), id: hex24 }),
  fc.record({ t: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.array(goodT, { maxLength: 2 })), id: hex24 }),
  fc.record({ t: fc.oneof(fc.integer({ min: MAX_DATE_MS + 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -MAX_DATE_MS - 1 })), id: hex24 }),
  fc.record({ t: goodT, id: fc.oneof(fc.string({ maxLength: 30 }).filter((s) => !/^[0-9a-f]{24}$/.test(s)), hex24.map((h) => h.slice(1)), hex24.map((h) => `${h}0`), hex24.filter((h) => /[a-f]/.test(h)).map((h) => h.toUpperCase()), fc.integer(), fc.constant({ $gt: "" })) }),
  fc.record({ t: goodT }),
  fc.record({ id: hex24 }),
  fc.tuple(goodT, hex24, fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== "t" && k !== "id"), fc.jsonValue()).map(([t, id, key, value]) => ({ t, id, [key]: value })),
  fc.jsonValue().filter((v) => typeof v !== "object" || v === null || Array.isArray(v)),
);

test("a correctly signed cursor whose payload is not exactly {t: whole ms a Date can hold, id: 24 hex} is rejected", () => {
  fc.assert(
    fc.property(badPayloads, (payload) => decodesToNothing(signedCursor(JSON.stringify(payload)), `a signed cursor carrying ${JSON.stringify(payload).slice(0, 160)}`)),
    { numRuns: 400, seed: 55 },
  );
  decodesToNothing(signedCursor("not json {"), "a signed cursor whose payload is not JSON");
});

test("a correctly signed cursor in a shape the server never issues is rejected: standard base64 or over 200 characters", () => {
  fc.assert(
    fc.property(goodT, hex24, fc.nat({ max: 600 }), (t, id, pad) => {
      const json = JSON.stringify({ t, id });
      const standard = Buffer.from(json).toString("base64");
      if (/[+/=]/.test(standard)) decodesToNothing(signedCursor(json, "base64"), `a signed cursor with a standard-base64 payload ${standard}`);
      const padded = `${json.slice(0, -1)}${" ".repeat(pad + 160)}}`;
      decodesToNothing(signedCursor(padded), `a signed cursor of ${signedCursor(padded).length} characters (a valid payload padded with spaces)`);
    }),
    { numRuns: 200, seed: 56 },
  );
});
