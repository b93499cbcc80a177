import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import http from "node:http";
import fc from "fast-check";
import { ObjectId } from "mongodb";
import { getUser, patchUser, request, startHarness, type Harness } from "./harness.ts";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h?.close());

/** Cache-Control directives as a map: "private, max-age=5" -> { private: "", "max-age": "5" }. */
function directives(header: string | null): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (header ?? "").split(",")) {
    const [name, value = ""] = part.trim().toLowerCase().split("=");
    if (name) found.set(name, value.replace(/"/g, ""));
  }
  return found;
}

/** GET with If-None-Match; resolves with the status code. */
function conditionalGet(url: string, etag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { "if-none-match": etag }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
  });
}

test("GET /users/:id sends Cache-Control that keeps the user out of shared caches and bounds reuse", async () => {
  const app = await h.startApp();
  const [id] = await h.seed(1, "headers");
  const read = await getUser(app, id!);
  assert.equal(read.status, 200);
  const header = read.headers.get("cache-control");
  assert.ok(header, "expected a Cache-Control header on GET /users/:id; there is none, so every cache guesses (README step 5)");
  const d = directives(header);
  assert.ok(!d.has("public") && !d.has("s-maxage"), `expected no "public" or "s-maxage": a CDN or proxy must not keep one person's data; got "${header}"`);

  if (d.has("no-cache") || d.has("no-store")) {
    if (d.has("no-cache")) {
      // Revalidation is only useful with a validator the client can send back.
      const etag = read.headers.get("etag");
      assert.ok(etag, `"${header}" makes clients revalidate, so the response needs an ETag; there is none`);
      // node:http, not fetch: fetch adds "Cache-Control: no-cache" to conditional requests, which forbids a 304.
      const revalidated = await conditionalGet(`${app.url}/users/${id}`, etag);
      assert.equal(revalidated, 304, `expected If-None-Match with the current ETag to get 304 Not Modified; got ${revalidated}`);
    }
    return;
  }
  assert.ok(d.has("private"), `expected "private" (or "no-cache" with an ETag): the response is one user's data; got "${header}"`);
  const maxAge = Number(d.get("max-age"));
  assert.ok(
    d.has("max-age") && Number.isInteger(maxAge) && maxAge >= 1 && maxAge <= 60,
    `expected a short "max-age" between 1 and 60 s, so a browser reuses the user briefly but not for long; got "${header}"`,
  );
});

test("a malformed user id gets 400 with a JSON error and no database query", async () => {
  const app = await h.startApp();
  const queriesBefore = h.userQueries();
  for (const bad of ["abc", "123", "zzzzzzzzzzzzzzzzzzzzzzzz", "0123456789abcdef01234567a", "%24where", "..%2F..%2Fetc"]) {
    for (const result of [await getUser(app, bad), await patchUser(app, bad, { name: "x" })]) {
      assert.equal(result.status, 400, `expected 400 for id "${bad}"; got ${result.status} ${JSON.stringify(result.body)}`);
      assert.equal(typeof (result.body as { error?: unknown }).error, "string", `expected a JSON body { error } for id "${bad}"; got ${JSON.stringify(result.body)}`);
    }
  }
  assert.equal(h.userQueries() - queriesBefore, 0, "expected malformed ids to be rejected before reaching MongoDB");
});

test("any id that is not 24 hexadecimal characters gets 400 with a JSON error, never 500 (property)", async () => {
  const app = await h.startApp();
  const queriesBefore = h.userQueries();
  const hex = "0123456789abcdefABCDEF".split("");
  const nearMiss = fc.oneof(
    // almost an ObjectId: one character too many or too few, or one non-hex character
    fc.string({ unit: fc.constantFrom(...hex), minLength: 23, maxLength: 23 }),
    fc.string({ unit: fc.constantFrom(...hex), minLength: 25, maxLength: 25 }),
    fc.tuple(fc.string({ unit: fc.constantFrom(...hex), minLength: 23, maxLength: 23 }), fc.constantFrom("g", "z", " ", "-", "_", ".", "x", "\u00e9", "%"), fc.nat({ max: 23 })).map(([h23, c, at]) => h23.slice(0, at) + c + h23.slice(at)),
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.constantFrom(" 0123456789abcdef01234567", "0x0123456789abcdef012345", "1e23", "[object Object]", "null", "undefined"),
  );
  await fc.assert(
    fc.asyncProperty(nearMiss, async (raw) => {
      const url = `${app.url}/users/${encodeURIComponent(raw)}`;
      for (const result of [await request(url), await request(url, { method: "PATCH", headers: { "content-type": "application/json" }, body: '{"name":"x"}' })]) {
        if (/^[0-9a-fA-F]{24}$/.test(raw)) return; // a valid id after all (the arbitrary string can be one)
        assert.equal(result.status, 400, `expected 400 for id ${JSON.stringify(raw)}; got ${result.status} ${JSON.stringify(result.body)}`);
        assert.equal(typeof (result.body as { error?: unknown }).error, "string", `expected a JSON body { error } for id ${JSON.stringify(raw)}`);
      }
    }),
    { numRuns: 150, seed: 251 },
  );
  assert.equal(h.userQueries() - queriesBefore, 0, "expected malformed ids to be rejected before reaching MongoDB");
});

test("a malformed PATCH body gets 400 with a JSON error and changes nothing", async () => {
  const app = await h.startApp();
  const [id] = await h.seed(1, "untouched");
  const bodies = ['{"name":', "[]", "{}", '{"name":""}', '{"name":42}', '{"email":"not-an-email"}', '{"role":"admin"}', '"just a string"'];
  for (const body of bodies) {
    const result = await request(`${app.url}/users/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body });
    assert.equal(result.status, 400, `expected 400 for body ${body}; got ${result.status} ${JSON.stringify(result.body)}`);
    assert.equal(typeof (result.body as { error?: unknown }).error, "string", `expected a JSON body { error } for body ${body}`);
  }
  const stored = await h.db.collection("users").findOne({ _id: new ObjectId(id) });
  assert.deepEqual({ name: stored?.name, email: stored?.email, role: stored?.role }, { name: "untouched 1", email: "untouched-1@example.test", role: undefined });
});

test("an unknown user gets 404 with a JSON error for GET and PATCH", async () => {
  const app = await h.startApp();
  const id = new ObjectId().toHexString();
  for (const result of [await getUser(app, id), await patchUser(app, id, { name: "nobody" })]) {
    assert.equal(result.status, 404, `expected 404 for an unknown user; got ${result.status}`);
    assert.equal(typeof (result.body as { error?: unknown }).error, "string", "expected a JSON body { error }");
  }
});
