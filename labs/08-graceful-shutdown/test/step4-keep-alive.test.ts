import assert from "node:assert/strict";
import http from "node:http";
import { describe, test } from "node:test";
import { exitWithin, request, startApp, waitForOutput } from "./helpers.ts";

// SHUTDOWN_TIMEOUT_MS in these tests is far below the server's keepAliveTimeout (65 s): a keep-alive
// socket left open after its last response holds server.close() open until the deadline fires, and
// the deadline exits with a non-zero code.

/** GET on a keep-alive agent, resolving with the status, headers and every chunk once the body ends. */
function download(url: string, agent: http.Agent, onFirstChunk: () => void): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string } | Error> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent }, (res) => {
      let body = "";
      let first = true;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
        if (first) (first = false), onFirstChunk();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("aborted", () => resolve(new Error(`the download was cut off after ${JSON.stringify(body)}`)));
      res.on("error", resolve);
    });
    req.on("error", resolve);
  });
}

describe("step 4: keep-alive sockets do not hold the shutdown open", { concurrency: true }, () => {
  test("requests on reused keep-alive sockets, finishing during the drain delay or after it, complete, say Connection: close, and the process exits 0", async () => {
    // One request ends inside the 2.5 s drain delay, the other after the listener has closed: both were in
    // flight at SIGTERM, and both must tell their client to stop reusing the socket. The first has 1.2 s
    // between the moment both have started and its end for the signal to arrive, and ends 1.3 s before
    // the listener closes: margins a loaded two-core machine does not eat.
    const app = await startApp({ DRAIN_DELAY_MS: "2500", SHUTDOWN_TIMEOUT_MS: "10000" });
    const agents = [new http.Agent({ keepAlive: true, maxSockets: 1 }), new http.Agent({ keepAlive: true, maxSockets: 1 })];
    try {
      for (const agent of agents) assert.equal((await request(`${app.url}/live`, { agent })).status, 200);
      const slow = [1200, 3500].map((ms, i) => request(`${app.url}/slow?ms=${ms}`, { agent: agents[i] }).catch((error: Error) => error));
      await waitForOutput(app, /slow request started[\s\S]*slow request started/);
      app.signal("SIGTERM");
      for (const [i, when] of ["during the drain delay", "after the drain delay"].entries()) {
        const answer = await slow[i]!;
        assert.ok(!(answer instanceof Error), `expected the request on the keep-alive socket that finishes ${when} to complete; it failed with "${answer instanceof Error ? answer.message : ""}"`);
        assert.equal(answer.reusedSocket, true, "test setup: the slow request should have reused the warm-up socket");
        assert.equal(answer.status, 200, `expected 200; got ${answer.status} ${answer.body}`);
        assert.equal(
          answer.headers.connection,
          "close",
          `expected the response that finished ${when} to carry "Connection: close" so the client stops reusing the socket; got "${answer.headers.connection}"`,
        );
      }
      const { code } = await exitWithin(app, 20_000, "a keep-alive socket may be holding it open");
      assert.equal(code, 0, `expected exit code 0; got ${code}. If the deadline fired, a keep-alive socket stayed open after its last response. Output:\n${app.output()}`);
    } finally {
      for (const agent of agents) agent.destroy();
    }
  });

  test("a response already streaming when SIGTERM arrives (headers sent) is delivered in full, and the process exits 0", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "8000" });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await request(`${app.url}/live`, { agent })).status, 200);
      let signalled = false;
      const answer = await download(`${app.url}/download?ms=1500`, agent, () => {
        // The status line and headers have reached us: it is too late to add a header now.
        signalled = true;
        app.signal("SIGTERM");
      });
      assert.ok(signalled, "test setup: the download should have sent a first part");
      assert.ok(!(answer instanceof Error), `expected the download that was streaming at SIGTERM to finish; ${answer instanceof Error ? answer.message : ""}`);
      assert.equal(answer.body, "part 1 of 4\npart 2 of 4\npart 3 of 4\npart 4 of 4\n", "expected all four parts of the download");
      const { code } = await exitWithin(app, 20_000, "the download's keep-alive socket may be holding it open");
      assert.equal(
        code,
        0,
        `expected exit code 0: the drain must neither fail on a response whose headers are already sent nor wait for its idle socket until the deadline; got ${code}. Output:\n${app.output()}`,
      );
    } finally {
      agent.destroy();
    }
  });

  test("an idle keep-alive socket (its last response long done) does not hold the shutdown open", async () => {
    const app = await startApp({ DRAIN_DELAY_MS: "100", SHUTDOWN_TIMEOUT_MS: "8000" });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await request(`${app.url}/slow?ms=0`, { agent })).status, 200);
      app.signal("SIGTERM");
      const { code } = await exitWithin(app, 20_000, "an idle keep-alive socket may be holding it open");
      assert.equal(code, 0, `expected exit code 0 with only an idle keep-alive socket open; got ${code}. Output:\n${app.output()}`);
    } finally {
      agent.destroy();
    }
  });
});
