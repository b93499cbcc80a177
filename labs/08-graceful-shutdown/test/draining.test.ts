import assert from "node:assert/strict";
import http from "node:http";
import { describe, test } from "node:test";
import { attempt, exitWithin, request, startApp, waitForOutput } from "./helpers.ts";

/**
 * Poll `url` on fresh connections, one at a time, until the connection is refused, the app exits
 * or `limit` tries. Returns the runs of identical outcomes, e.g. [["200", 3], ["503", 40], ["ECONNREFUSED", 1]].
 */
async function pollUntilRefused(url: string, app: { child: { exitCode: number | null } }, limit = 2000): Promise<Array<[string, number]>> {
  const runs: Array<[string, number]> = [];
  for (let i = 0; i < limit && app.child.exitCode === null; i++) {
    const outcome = await attempt(url);
    const label = "status" in outcome ? String(outcome.status) : outcome.error;
    const last = runs.at(-1);
    if (last && last[0] === label) last[1]++;
    else runs.push([label, 1]);
    if (label === "ECONNREFUSED") break;
  }
  return runs;
}

const show = (runs: Array<[string, number]>) => runs.map(([label, n]) => `${label} x${n}`).join(" -> ");

// Each test starts its own app process and signals it, so they can run side by side.
describe("requests during a shutdown", { concurrency: true }, () => {
  test("a slow request in flight when SIGTERM arrives still completes with 200, then the process exits 0", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "20000" });
    const events: string[] = [];
    const slow = request(`${app.url}/slow?ms=2000`).then(
      (answer) => (events.push("response ended"), answer),
      (error: Error) => (events.push("response failed"), error),
    );
    await waitForOutput(app, /slow request started/);
    events.push("SIGTERM sent");
    app.signal("SIGTERM");
    const answer = await slow;
    assert.ok(
      !(answer instanceof Error),
      `expected the request that was in flight at SIGTERM to complete; it failed with "${answer instanceof Error ? answer.message : ""}". Keep the process alive until in-flight requests are done.`,
    );
    assert.equal(answer.status, 200, `expected 200 for the in-flight request; got ${answer.status} ${answer.body} (were Redis or MongoDB closed before it finished?)`);
    const { code } = await exitWithin(app, 15_000, "it should exit once the slow request is done");
    events.push("process exited");
    assert.deepEqual(events, ["SIGTERM sent", "response ended", "process exited"], "the response must end after the signal and before the process exits");
    assert.equal(code, 0, `expected exit code 0 after a clean drain; got ${code}. Output:\n${app.output()}`);
  });

  test("a request on a reused keep-alive socket completes, says Connection: close, and does not hold the shutdown open", async () => {
    // SHUTDOWN_TIMEOUT_MS is far below the server's keepAliveTimeout (65 s): a keep-alive socket
    // left open after its last response would hold server.close() open until the deadline fires.
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "8000" });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const warmUp = await request(`${app.url}/live`, { agent });
      assert.equal(warmUp.status, 200);
      const slow = request(`${app.url}/slow?ms=1500`, { agent }).catch((error: Error) => error);
      await waitForOutput(app, /slow request started/);
      app.signal("SIGTERM");
      const answer = await slow;
      assert.ok(!(answer instanceof Error), `expected the request on the keep-alive socket to complete; it failed with "${answer instanceof Error ? answer.message : ""}"`);
      assert.equal(answer.reusedSocket, true, "test setup: the slow request should have reused the warm-up socket");
      assert.equal(answer.status, 200, `expected 200; got ${answer.status} ${answer.body}`);
      assert.equal(
        answer.headers.connection,
        "close",
        `expected the response that finished during draining to carry "Connection: close" so the client stops reusing the socket; got "${answer.headers.connection}"`,
      );
      const { code } = await exitWithin(app, 20_000, "a keep-alive socket may be holding it open");
      assert.equal(
        code,
        0,
        `expected exit code 0; got ${code}. If the deadline fired, the keep-alive socket stayed open after its last response: send "Connection: close" on in-flight responses and close idle sockets. Output:\n${app.output()}`,
      );
    } finally {
      agent.destroy();
    }
  });

  test("readiness answers 503 for the whole drain delay before the listener closes", async () => {
    // A long drain delay so the 503 window is easy to observe on a busy machine.
    const app = await startApp({ DRAIN_DELAY_MS: "1500", SHUTDOWN_TIMEOUT_MS: "20000" });
    assert.equal((await request(`${app.url}/ready`)).status, 200, "readiness should answer 200 before any signal");
    const slow = request(`${app.url}/slow?ms=3000`).catch((error: Error) => error);
    await waitForOutput(app, /slow request started/);
    app.signal("SIGTERM");

    // Readiness, polled as a load balancer would (each check a new connection).
    const runs = await pollUntilRefused(`${app.url}/ready`, app);
    const afterSignal = runs[0]?.[0] === "200" ? runs.slice(1) : runs; // the first checks may beat the signal
    const first = afterSignal[0];
    // Polls are sequential, so at most one could be caught by a listener closing at the same
    // moment; a real drain window answers 503 many times over DRAIN_DELAY_MS (1.5 s).
    assert.ok(
      first?.[0] === "503" && first[1] >= 3,
      `expected GET /ready to answer 503 for the whole drain delay (several checks) before connections are refused; saw ${show(runs)}. Set readiness to 503 first, then wait DRAIN_DELAY_MS before closing the listener.`,
    );
    assert.ok(!afterSignal.some(([label]) => label === "200"), `readiness must not go back to 200 once draining has started; saw ${show(runs)}`);
    await slow;
    await exitWithin(app, 15_000, "draining should end once the slow request is done");
  });

  test("liveness stays 200 while readiness is 503", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "1500", SHUTDOWN_TIMEOUT_MS: "20000" });
    const slow = request(`${app.url}/slow?ms=3000`).catch((error: Error) => error);
    await waitForOutput(app, /slow request started/);
    app.signal("SIGTERM");
    let ready = await attempt(`${app.url}/ready`);
    for (let i = 0; i < 500 && "status" in ready && ready.status === 200; i++) ready = await attempt(`${app.url}/ready`);
    assert.deepEqual(ready, { status: 503 }, `expected readiness to turn 503 after SIGTERM; got ${JSON.stringify(ready)}`);
    const live = await attempt(`${app.url}/live`);
    assert.deepEqual(live, { status: 200 }, `expected GET /live to stay 200 while draining (a failing liveness probe gets the process killed mid-drain); got ${JSON.stringify(live)}`);
    await slow;
    await exitWithin(app, 15_000, "draining should end once the slow request is done");
  });

  test("new connections are refused once draining has started, while an old request is still running", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "200", SHUTDOWN_TIMEOUT_MS: "20000" });
    const events: string[] = [];
    const slow = request(`${app.url}/slow?ms=4000`).then(
      (answer) => (events.push(`slow request answered ${answer.status}`), answer),
      (error: Error) => (events.push(`slow request failed (${error.message})`), error),
    );
    await waitForOutput(app, /slow request started/);
    app.signal("SIGTERM");
    const runs = await pollUntilRefused(`${app.url}/live`, app);
    events.push(runs.at(-1)?.[0] === "ECONNREFUSED" ? "new connection refused" : `polling ended with ${show(runs)}`);
    await slow;
    assert.deepEqual(
      events,
      ["new connection refused", "slow request answered 200"],
      "expected new connections to be refused (server.close()) while the old slow request was still running, and that request to finish with 200",
    );
    await exitWithin(app, 15_000, "draining should end once the slow request is done");
  });
});
