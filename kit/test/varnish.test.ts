import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { getFreePort, locateVarnish, NoVarnishError, resolveServices, resolveVarnish, VarnishConfigError, vclWithBackend } from "../services/index.ts";
import { findVarnishd } from "../services/varnish.ts";

// The tests that start one need varnishd; CI installs it (.ci/run), so there it must be found.
const installed = await findVarnishd({ PATH: process.env.PATH, VARNISHD_BIN: process.env.VARNISHD_BIN });
const noBinary = installed === undefined && !process.env.CI ? "no varnishd on PATH, in /usr/sbin or in VARNISHD_BIN (CI installs one)" : false;

/** An origin that counts its requests and answers with the Cache-Control it is given. */
async function origin(cacheControl: string): Promise<{ port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { "content-type": "text/plain", "cache-control": cacheControl });
    res.end(`answer ${hits}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A fake Varnish for the compose path: answers any request line (PRI included) with X-Varnish. */
async function fakeVarnish(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.once("data", () => socket.end("HTTP/1.1 405 Method Not Allowed\r\nX-Varnish: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("Varnish resolution", () => {
  test("VARNISH_URL wins when no VCL of the caller's own is needed", async () => {
    const resolved = await resolveVarnish({ env: { VARNISH_URL: "http://cdn.invalid:6081/", PATH: "" } });
    assert.equal(resolved.url, "http://cdn.invalid:6081");
    assert.equal(resolved.started, false);
    assert.match(resolved.backend, /VARNISH_URL/);
  });

  test("then the compose service, if something that is Varnish answers there", async () => {
    const fake = await fakeVarnish();
    try {
      const resolved = await resolveVarnish({ env: { PATH: "" }, composeUrl: fake.url, sbinDirs: [] });
      assert.equal(resolved.url, fake.url);
      assert.equal(resolved.started, false);
      assert.match(resolved.backend, /compose/);
    } finally {
      await fake.close();
    }
  });

  test("without a binary, a clear error names the three ways to get one and the packages", async () => {
    const emptyDir = await mkdtemp(path.join(tmpdir(), "no-varnish-"));
    const closed = `http://127.0.0.1:${await getFreePort()}`;
    await assert.rejects(resolveVarnish({ env: { PATH: emptyDir }, composeUrl: closed, sbinDirs: [] }), (error: Error) => {
      assert.ok(error instanceof NoVarnishError);
      assert.match(error.message, /VARNISH_URL is not set/);
      assert.match(error.message, /"varnishd" is not on PATH, in \/usr\/sbin or in \/usr\/local\/sbin/);
      assert.match(error.message, /apt install varnish varnish-modules/);
      assert.match(error.message, /brew install varnish/);
      assert.match(error.message, /docker compose --profile cdn up -d varnish/);
      return true;
    });
  });

  test("a VCL of the caller's own does not settle for VARNISH_URL, and a bad VARNISHD_BIN is named", async () => {
    await assert.rejects(resolveVarnish({ env: { VARNISH_URL: "http://127.0.0.1:9", VARNISHD_BIN: "/no/such/varnishd", PATH: "" }, vcl: "vcl 4.1;\n" }), (error: Error) => {
      assert.ok(error instanceof NoVarnishError);
      assert.match(error.message, /needs its own VCL, which the Varnish at VARNISH_URL cannot load/);
      assert.match(error.message, /VARNISHD_BIN=\/no\/such\/varnishd is not an executable file/);
      return true;
    });
  });

  test("a lab that lists varnish hears the error when its services are resolved; one that does not is untouched", async () => {
    const emptyDir = await mkdtemp(path.join(tmpdir(), "no-varnish-"));
    const closed = `http://127.0.0.1:${await getFreePort()}`;
    const env = { PATH: emptyDir, VARNISHD_BIN: path.join(emptyDir, "varnishd"), WORKBOOK_COMPOSE_VARNISH_URL: closed };
    await assert.rejects(resolveServices(["varnish"], env), NoVarnishError);
    const none = await resolveServices([], env);
    assert.deepEqual(none.backends, []);
    await none.stop();
  });

  test("vclWithBackend points the backend at the given port and leaves the rest alone", () => {
    const vcl = 'vcl 4.1;\nbackend default {\n    .host = "host.docker.internal";\n    .port = "3000";\n    .probe = { .url = "/health"; }\n}\nsub vcl_recv { set req.http.x-port = "3000"; }\n';
    const out = vclWithBackend(vcl, "127.0.0.1", 4321);
    assert.match(out, /\.host = "127\.0\.0\.1";/);
    assert.match(out, /\.port = "4321";/);
    assert.match(out, /\.url = "\/health";/);
    assert.match(out, /x-port = "3000"/, "only the backend block changes");
    assert.throws(() => vclWithBackend("vcl 4.1;\n", "127.0.0.1", 1), /no backend block/);
  });

  test("locateVarnish finds the binary without starting anything", { skip: noBinary }, async () => {
    const closed = `http://127.0.0.1:${await getFreePort()}`;
    const found = await locateVarnish({ PATH: process.env.PATH, VARNISHD_BIN: process.env.VARNISHD_BIN }, closed);
    assert.equal(found.env.VARNISHD_BIN, installed);
    assert.equal(found.env.VARNISH_URL, undefined);
  });

  test("varnishd is started with the VCL on a free loopback port, caches by the origin's headers, and stop() ends it", { skip: noBinary }, async () => {
    const app = await origin("public, s-maxage=60");
    const vcl = vclWithBackend('vcl 4.1;\nbackend default {\n    .host = "x";\n    .port = "1";\n}\n', "127.0.0.1", app.port);
    const resolved = await resolveVarnish({ env: { PATH: process.env.PATH, VARNISHD_BIN: process.env.VARNISHD_BIN, VARNISH_URL: "http://127.0.0.1:9" }, vcl, defaultTtlSeconds: 0 });
    let stopped = false;
    try {
      assert.equal(resolved.started, true);
      assert.match(resolved.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(resolved.backend, /private varnishd/);
      const bodies: string[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${resolved.url}/page`);
        assert.ok(response.headers.has("x-varnish"), "expected an X-Varnish header from Varnish");
        bodies.push(await response.text());
      }
      assert.deepEqual(bodies, ["answer 1", "answer 1", "answer 1"], "expected Varnish to answer from its cache after the first request");
      assert.equal(app.hits(), 1);
      await resolved.stop();
      stopped = true;
      await assert.rejects(fetch(`${resolved.url}/page`), "stop() should shut varnishd down");
    } finally {
      if (!stopped) await resolved.stop();
      await app.close();
    }
  });

  test("a VCL varnishd rejects is reported with the end of its log", { skip: noBinary }, async () => {
    await assert.rejects(resolveVarnish({ env: { PATH: process.env.PATH, VARNISHD_BIN: process.env.VARNISHD_BIN }, vcl: "vcl 4.1;\nsub vcl_recv { this is not vcl }\n" }), (error: Error) => {
      // A VCL error is the writer's to fix, not a Varnish to install: no "Get one in any of these three ways".
      assert.ok(error instanceof VarnishConfigError, `expected a VarnishConfigError, got ${error.name}: ${error.message}`);
      assert.match(error.message, /exited before it answered: it rejected the VCL or its options\. Its log ends with:/);
      assert.match(error.message, /VCL compilation failed/);
      assert.doesNotMatch(error.message, /three ways/);
      assert.match(error.message, /VCL|vcl/);
      return true;
    });
  });
});
