import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startApp, type RunningApp } from "./helpers.ts";

type Entry = Record<string, unknown>;
const field = (entry: Entry, key: string): unknown => (entry[key] && typeof entry[key] === "object" ? entry[key] : undefined);
// pino-http's names (req.id, res.statusCode, responseTime), with the common alternatives.
const idOf = (e: Entry) => (field(e, "req") as Entry | undefined)?.id ?? e.reqId ?? e.requestId;
const statusOf = (e: Entry) => (field(e, "res") as Entry | undefined)?.statusCode ?? e.statusCode ?? e.status;
const durationOf = (e: Entry) => e.responseTime ?? e.durationMs;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The line logged when the request with this id completed (waits briefly for it to be written). */
async function completionLine(app: RunningApp, id: string): Promise<Entry> {
  for (let i = 0; i < 100; i++) {
    const line = app.entries().find((e) => idOf(e) === id && statusOf(e) !== undefined);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(
    `expected a JSON log line with request id "${id}" and the response status; the app logged ${app.lines.length} line(s)${app.lines.length ? `, e.g. ${app.lines.at(-1)}` : " to the log stream (console.log does not go there)"}`,
  );
}

describe("structured request logs", () => {
  test("every log line is a JSON object", async () => {
    const app = await startApp();
    await (await fetch(`${app.url}/users/1`)).text();
    await (await fetch(`${app.url}/no-such-page`)).text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(app.lines.length > 0, "expected the app to write log lines to the log stream it was given (createApp({ logStream })); it wrote none");
    for (const line of app.lines) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        assert.fail(`expected every log line to be JSON; got: ${line}`);
      }
      assert.equal(typeof parsed, "object", `expected a JSON object per line; got: ${line}`);
    }
  });

  test("an incoming X-Request-Id is kept: echoed in the response header and present in the log line", async () => {
    const app = await startApp();
    const res = await fetch(`${app.url}/users/2`, { headers: { "x-request-id": "checkout-7f3a-42" } });
    await res.text();
    assert.equal(res.headers.get("x-request-id"), "checkout-7f3a-42", "expected the response to echo the incoming X-Request-Id");
    const line = await completionLine(app, "checkout-7f3a-42");
    assert.equal(statusOf(line), 200);
  });

  test("a request without X-Request-Id gets a generated UUID, in the response header and in the log line", async () => {
    const app = await startApp();
    const first = await fetch(`${app.url}/users/1`);
    const second = await fetch(`${app.url}/users/1`);
    await Promise.all([first.text(), second.text()]);
    const id = first.headers.get("x-request-id") ?? "";
    assert.match(id, UUID, `expected a generated UUID in the X-Request-Id response header; got "${id}"`);
    assert.notEqual(second.headers.get("x-request-id"), id, "expected each request to get its own id");
    await completionLine(app, id);
  });

  test("the completion line carries the route pattern, the status and the duration", async () => {
    const app = await startApp();
    const res = await fetch(`${app.url}/users/424242`, { headers: { "x-request-id": "route-check-1" } });
    await res.text();
    const line = await completionLine(app, "route-check-1");
    assert.equal(line.route, "/users/:id", `expected "route": "/users/:id" (the pattern, not the URL) in the log line; got ${JSON.stringify(line.route)}`);
    assert.equal(statusOf(line), 404, `expected the status 404 in the log line; got ${JSON.stringify(statusOf(line))}`);
    const duration = durationOf(line);
    assert.ok(typeof duration === "number" && duration >= 0, `expected a duration in ms (responseTime) in the log line; got ${JSON.stringify(duration)}`);
  });

  test("a 5xx is logged at error level, 2xx and 4xx at info", async () => {
    const app = await startApp();
    for (const [path, id] of [["/flaky", "err-1"], ["/users/1", "ok-1"], ["/users/999", "nf-1"]] as const) {
      await (await fetch(`${app.url}${path}`, { headers: { "x-request-id": id } })).text();
    }
    const levelOf = async (id: string) => (await completionLine(app, id)).level;
    assert.equal(await levelOf("err-1"), 50, "expected the 500 to be logged at pino's error level (50)");
    assert.equal(await levelOf("ok-1"), 30, "expected the 200 to be logged at info level (30)");
    assert.equal(await levelOf("nf-1"), 30, "expected the 404 to be logged at info level (30): it is the client's mistake, not an incident");
  });

  test("a malformed X-Request-Id (too long, or with spaces) is replaced by a generated one", async () => {
    const app = await startApp();
    for (const bad of ["x".repeat(500), "a b\tc"]) {
      const res = await fetch(`${app.url}/users/1`, { headers: { "x-request-id": bad } });
      await res.text();
      const id = res.headers.get("x-request-id") ?? "";
      assert.match(id, UUID, `expected an unsafe incoming id to be replaced by a UUID; the response said "${id.slice(0, 60)}"`);
    }
  });
});
