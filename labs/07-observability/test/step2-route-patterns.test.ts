import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { completionLine, get, startApp, statusOf } from "./helpers.ts";

// Every route the app defines, as the full pattern a metric or a log line must name.
const PATTERNS = new Set(["/users", "/users/:id", "/reports/:name", "/flaky", "/live", "/ready", "/metrics", "/admin/stats", "/admin/maintenance", "/admin/audit/entries/:entryId"]);
let nextId = 0;

/** GET `path` with a fresh request id and return the `route` of its log line, with the status. */
async function routeOf(app: Awaited<ReturnType<typeof startApp>>, path: string): Promise<{ route: unknown; status: unknown }> {
  const id = `route-${++nextId}`;
  await get(`${app.url}${path}`, { "x-request-id": id });
  const line = await completionLine(app, id);
  return { route: line.route, status: statusOf(line) };
}

describe("step 2: the route label is the full route pattern", () => {
  test("the log line names the pattern that matched, including the prefix of a mounted router", async () => {
    const app = await startApp();
    const cases: Array<[string, string]> = [
      ["/users/424242", "/users/:id"],
      ["/users", "/users"],
      ["/reports/weekly", "/reports/:name"],
      ["/admin/stats", "/admin/stats"],
      ["/admin/audit/entries/17", "/admin/audit/entries/:entryId"],
      ["/users/5?fields=name", "/users/:id"],
    ];
    for (const [path, expected] of cases) {
      const { route } = await routeOf(app, path);
      assert.equal(
        route,
        expected,
        `expected GET ${path} to be logged with "route": "${expected}" (the full pattern: a mounted router's prefix plus the route's own path, never the URL); got ${JSON.stringify(route)}`,
      );
    }
  });

  test("requests that match no route share the one label \"unmatched\", also under a mounted prefix", async () => {
    const app = await startApp();
    for (const path of ["/nope/1", "/wp-admin.php", "/admin/nope", "/admin/audit/entries", "/users/1/extra"]) {
      const { route, status } = await routeOf(app, path);
      assert.equal(status, 404, `test setup: GET ${path} should be a 404`);
      assert.equal(route, "unmatched", `expected GET ${path} (no route matched) to be logged with "route": "unmatched"; got ${JSON.stringify(route)}`);
    }
  });

  test("a malformed id is answered 400 with a JSON error, and still labelled by its pattern", async () => {
    const app = await startApp();
    for (const [path, pattern] of [["/users/abc", "/users/:id"], ["/users/-1", "/users/:id"], ["/admin/audit/entries/x1", "/admin/audit/entries/:entryId"]] as const) {
      const answer = await get(`${app.url}${path}`);
      assert.equal(answer.status, 400, `GET ${path} should answer 400; got ${answer.status}`);
      assert.equal(typeof (JSON.parse(answer.body) as { error?: unknown }).error, "string", `expected a JSON "error" message; got ${answer.body}`);
      const { route } = await routeOf(app, path);
      assert.equal(route, pattern, `expected GET ${path} to be logged under "${pattern}"; got ${JSON.stringify(route)}`);
    }
  });

  test("whatever the URL, the label is one of the app's patterns or \"unmatched\" (property, 150 URLs)", async () => {
    const app = await startApp();
    const segment = fc.oneof(
      fc.constantFrom("users", "admin", "audit", "entries", "reports", "metrics", "live", "stats", ".."),
      fc.string({ unit: fc.constantFrom(..."abcxyz0123456789-._~%20"), minLength: 1, maxLength: 12 }),
    );
    const url = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.option(fc.constantFrom("?a=1", "?id=42&x=%2F"), { nil: "" })).map(([parts, query]) => `/${parts.join("/")}${query}`);
    await fc.assert(
      fc.asyncProperty(url, async (path) => {
        const { route } = await routeOf(app, path);
        assert.ok(
          typeof route === "string" && (route === "unmatched" || PATTERNS.has(route)),
          `expected GET ${path} to be labelled with one of the app's route patterns or "unmatched"; got ${JSON.stringify(route)}`,
        );
      }),
      { numRuns: 150, seed: 721, endOnFailure: true },
    );
  });
});
