// Whatever a client puts in the query string, the API answers 200 or a 4xx with a JSON error,
// never a 5xx. 1,000 generated query strings, the same ones on every run (seeded PRNG).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createRandom, seedMessages } from "../src/seed.ts";
import { getJson, startTestApp, type TestApp } from "./support.ts";

let app: TestApp;
let realCursor = "";
before(async () => {
  app = await startTestApp({ seed: (messages) => seedMessages(messages, { count: 150 }) });
  const first = await app.get("limit=10");
  const next = (first.body as { next?: unknown } | undefined)?.next;
  realCursor = typeof next === "string" ? next : "";
});
after(() => app.close());

const random = createRandom(20260505);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (max: number) => Math.floor(random() * max);

const KEYS = ["after", "limit", "page", "after[]", "limit[]", "after[0]", "after[$gt]", "limit[$ne]", "after[a][b]", "limit.x",
  "__proto__", "constructor[prototype][x]", "", "lïmit", "%61fter", "LIMIT", "after%5B%5D", "sort", "skip"];

function randomUnicode(): string {
  const ranges: [number, number][] = [[0x20, 0x7e], [0xa0, 0x2ff], [0x400, 0x4ff], [0x4e00, 0x4fff], [0x1f600, 0x1f64f], [0xd800, 0xdfff]];
  let text = "";
  for (let n = int(12) + 1; n > 0; n--) {
    const [lo, hi] = pick(ranges);
    const code = lo + int(hi - lo + 1);
    // Lone surrogates are not valid in URLs; send them as raw (invalid) percent-escaped bytes instead.
    text += code >= 0xd800 && code <= 0xdfff ? "%ED%A0%80" : encodeURIComponent(String.fromCodePoint(code));
  }
  return text;
}

function mutatedCursor(): string {
  if (!realCursor) return "abc";
  const i = int(realCursor.length);
  const choices = [realCursor.slice(0, i), realCursor + realCursor.slice(i), realCursor.slice(0, i) + "." + realCursor.slice(i), realCursor.replace(".", "")];
  return encodeURIComponent(pick(choices));
}

function randomValue(): string {
  switch (int(10)) {
    case 0: return pick(["", "0", "-1", "1", "20", "100", "101", "1000000", "-0", "0x1f", "1.5", "1e400", "NaN", "Infinity", "null", "true", "[]", "{}"]);
    case 1: return "9".repeat(int(400) + 1);
    case 2: return pick(["%", "%zz", "%00", "%ff%fe", "%E2%80%AE", "%u0041", "+", "%2B5", "%20"]);
    case 3: return randomUnicode();
    case 4: return encodeURIComponent(realCursor);
    case 5: return mutatedCursor();
    case 6: return Buffer.from(Array.from({ length: int(90) }, () => int(256))).toString(pick(["base64url", "base64", "hex"]) as BufferEncoding);
    case 7: return encodeURIComponent(JSON.stringify(pick([{ t: 1, id: "x" }, { $gt: "" }, [1, 2], "x", { t: 1e308, id: "0".repeat(24) }])));
    case 8: return "A".repeat(int(3000));
    default: return String(int(2 ** 31) * (random() < 0.5 ? -1 : 1));
  }
}

function randomQuery(): string {
  const pairs: string[] = [];
  for (let n = int(5); n >= 0; n--) {
    const key = random() < 0.2 ? randomUnicode() : pick(KEYS);
    pairs.push(random() < 0.1 ? key : `${key}=${randomValue()}`);
  }
  return pairs.join(pick(["&", "&", "&", "&&", ";"]));
}

test("1,000 generated query strings never get a 5xx, and every 4xx carries a JSON error", async () => {
  const queries = Array.from({ length: 1000 }, randomQuery);
  const serverErrors: string[] = [];
  const bareErrors: string[] = [];
  for (let i = 0; i < queries.length; i += 10) {
    const batch = queries.slice(i, i + 10);
    const replies = await Promise.all(batch.map((q) => getJson(`${app.url}/messages?${q}`)));
    replies.forEach((reply, j) => {
      const shown = `?${batch[j]!.slice(0, 120)} → ${reply.status} ${reply.text.slice(0, 100)}`;
      if (reply.status >= 500) serverErrors.push(shown);
      else if (reply.status >= 400 && typeof (reply.body as { error?: unknown } | undefined)?.error !== "string") bareErrors.push(shown);
    });
  }
  assert.deepEqual(serverErrors.slice(0, 10), [], `${serverErrors.length} of 1,000 query strings got a 5xx (first 10 shown)`);
  assert.deepEqual(bareErrors.slice(0, 10), [], `${bareErrors.length} of 1,000 query strings got a 4xx without a JSON {"error": ...} body`);
});
