import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startApp } from "./helpers.ts";

describe("bad input", () => {
  test("malformed ids and bodies get a 400 with a JSON error, never a 500", async () => {
    const app = await startApp();
    const cases: Array<[string, RequestInit]> = [
      ["/users/abc", {}],
      ["/users/-1", {}],
      ["/users", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }],
      ["/users", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "" }) }],
    ];
    for (const [path, init] of cases) {
      const res = await fetch(`${app.url}${path}`, init);
      const body = (await res.json()) as { error?: unknown };
      assert.equal(res.status, 400, `${init.method ?? "GET"} ${path} should answer 400; got ${res.status}`);
      assert.equal(typeof body.error, "string", `expected a JSON "error" message; got ${JSON.stringify(body)}`);
    }
  });
});
