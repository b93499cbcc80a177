// Step 1, as a property: for ANY string sent as ?limit=, the reply follows the README's rule.
// - only ASCII digits, value >= 1 -> 200 with min(value, 100) items (150 messages exist);
// - anything else (signs, spaces, exponents, hex, decimals, other scripts' digits, empty) -> 400 + JSON error.
// fast-check runs with a fixed seed, so every run sends the same strings; a failure prints the
// smallest string it found that breaks the rule.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { seedMessages } from "../src/seed.ts";
import { describeReply, isJson400, startTestApp, type TestApp } from "./support.ts";

let app: TestApp;
before(async () => {
  app = await startTestApp({ seed: (messages) => seedMessages(messages, { count: 150 }) });
});
after(() => app.close());

/** What the README says a limit string means: a page size, or undefined for "400". */
function expectedPageSize(raw: string): number | undefined {
  if (!/^[0-9]+$/.test(raw)) return undefined;
  const value = BigInt(raw);
  if (value < 1n) return undefined;
  return value > 100n ? 100 : Number(value);
}

const TRICKY = [
  "1e2", "1E1", "0x10", "0o7", "0b11", " 5", "5 ", "+5", "-5", "05", "007", "0", "00", "-0", "5.0", "5.", ".5", "1_000",
  "٥", "５", "Infinity", "NaN", "5\n", "\t5", "5\nx", "x\n5", "5\r\n", "\n", "100", "101", "99", "1", "2147483648", "9007199254740993",
];
const tricky = fc.constantFrom(...TRICKY);
const digits = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 400 });
const nearlyDigits = fc
  .tuple(digits, fc.constantFrom(" ", "+", "-", ".", "e", "x", "_", ",", "%"), fc.nat({ max: 400 }))
  .map(([d, extra, at]) => d.slice(0, at % (d.length + 1)) + extra + d.slice(at % (d.length + 1)));
const anyText = fc.string({ unit: "grapheme", maxLength: 20 });
const limitStrings = fc.oneof(tricky, digits, nearlyDigits, anyText, fc.integer().map(String));

/** Sends ?limit=<raw> and checks the reply against the README's rule. */
async function followsTheRule(raw: string): Promise<void> {
  const reply = await app.get(`limit=${encodeURIComponent(raw)}`);
  const expected = expectedPageSize(raw);
  const shown = JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…(${raw.length} chars)` : raw);
  if (expected === undefined) {
    assert.ok(isJson400(reply), `?limit=${shown}: expected 400 with {"error": "..."} (not only ASCII digits, or less than 1); got ${describeReply(reply)}`);
    return;
  }
  const items = (reply.body as { items?: unknown } | undefined)?.items;
  assert.ok(reply.status === 200 && Array.isArray(items), `?limit=${shown}: expected 200 with ${expected} items; got ${describeReply(reply)}`);
  assert.equal(items.length, expected, `?limit=${shown}: expected ${expected} items (150 messages exist); got ${items.length}`);
}

test("any string sent as ?limit= gets exactly the page size the README's rule gives, or a 400 with a JSON error", async () => {
  // Every tricky spelling once (whitespace and line breaks around digits among them), then random strings.
  for (const raw of TRICKY) await followsTheRule(raw);
  await fc.assert(fc.asyncProperty(limitStrings, followsTheRule), { numRuns: 300, seed: 20260505, endOnFailure: true });
});
