// The one lifecycle every private server shares (kit/services/private-server.ts), on a stub server: it
// starts in a fresh directory and is ready when its probe says so; an exit before that fails the start at
// once with the log's tail; a missing binary, a probe that never answers and a failing prepare each fail
// clearly and leave no directory and no process behind; stop() ends even a server that ignores SIGTERM.
// (A parent killed with SIGKILL leaving no server behind: kit/test/lifecycle.test.ts.)
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { canConnect, getFreePort } from "../services/ports.ts";
import { PrivateServerError, startPrivateServer, unprivilegedUser, type PrivateServerSpec } from "../services/private-server.ts";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const stub = fileURLToPath(new URL("./fixtures/stub-server.ts", import.meta.url));
const prefix = `stubtest${process.pid}`;

function spec(args: string[], ready: PrivateServerSpec["ready"], extra: Partial<PrivateServerSpec> = {}): PrivateServerSpec {
  return { name: "the stub server", binary: process.execPath, dirPrefix: prefix, args: () => [stub, ...args], ready, readyTimeoutMs: 20_000, ...extra };
}

/** Ready once the stub has printed its port. */
const listening: PrivateServerSpec["ready"] = async (server) => /stub listening on \d+/.test(server.log());
const portOf = (log: string) => Number(/stub listening on (\d+)/.exec(log)![1]);

const leftoverDirs = async () => (await readdir(tmpdir())).filter((name) => name.startsWith(`workbook-${prefix}-`));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("a private server's lifecycle", () => {
  test("starts in a fresh temporary directory, is ready when its probe answers, and stop() ends it and removes the directory", async () => {
    const server = await startPrivateServer(spec(["listen"], listening));
    try {
      assert.ok(await canConnect("127.0.0.1", portOf(server.log()), 500), "the server should answer once the start resolves");
      assert.equal(readFileSync(`${server.dir}/started-here`, "utf8"), String(server.child.pid), "the server should run in its own directory");
      assert.match(server.dir, new RegExp(`workbook-${prefix}-`));
      assert.match(server.log(), /stub listening on/, "the log should keep what the server printed");
    } finally {
      await server.stop();
    }
    assert.equal(server.child.exitCode, 0, "stop() should end it with SIGTERM, which it handles by exiting 0");
    assert.equal(existsSync(server.dir), false, "stop() should remove the directory");
    await server.stop(); // a second stop is harmless
  });

  test("a server that exits before it answers fails the start at once, with the end of its log, and leaves no directory", async () => {
    const started = Date.now();
    await assert.rejects(startPrivateServer(spec(["exit"], async () => false, { readyTimeoutMs: 60_000 })), (error: Error) => {
      assert.ok(error instanceof PrivateServerError, `expected a PrivateServerError, got ${error.name}: ${error.message}`);
      assert.equal(error.reason, "exited");
      assert.match(error.message, /the stub server exited \(code 2\) before it answered/);
      assert.match(error.logTail, /unknown directive 'frobnicate'/);
      return true;
    });
    // Not the 60 s deadline: the exit itself ends the wait.
    assert.ok(Date.now() - started < 10_000, `the start should fail within seconds of the exit, took ${Date.now() - started} ms`);
    assert.deepEqual(await leftoverDirs(), []);
  });

  test("a binary that does not exist fails the start with reason spawn and leaves no directory", async () => {
    await assert.rejects(startPrivateServer(spec([], async () => true, { binary: "no-such-server-for-the-kit" })), (error: Error) => {
      assert.ok(error instanceof PrivateServerError);
      assert.equal(error.reason, "spawn");
      assert.match(error.message, /"no-such-server-for-the-kit" could not be started \(.*ENOENT/);
      return true;
    });
    assert.deepEqual(await leftoverDirs(), []);
  });

  test("a server that never answers fails the start at the deadline, is killed, and leaves no directory", async () => {
    let pid = 0;
    await assert.rejects(startPrivateServer(spec(["silent"], async () => false, { readyTimeoutMs: 700 })), (error: Error) => {
      assert.ok(error instanceof PrivateServerError);
      assert.equal(error.reason, "timeout");
      assert.match(error.message, /the stub server did not answer within 700 ms/);
      return true;
    });
    assert.deepEqual(await leftoverDirs(), []);
    // The stub's pid is not returned on failure; look for a stub still running in "silent" mode.
    for (const name of await readdir("/proc").catch(() => [] as string[])) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
        if (cmdline.includes("stub-server.ts") && cmdline.includes("silent")) pid = Number(name);
      } catch {
        // ended while we looked
      }
    }
    assert.equal(pid, 0, `the silent stub (pid ${pid}) should have been killed when the start failed`);
  });

  test("a failing prepare removes the directory and starts nothing", async () => {
    let ran = false;
    await assert.rejects(
      startPrivateServer(
        spec(["listen"], async () => true, {
          prepare: async () => {
            throw new Error("the config did not check");
          },
          args: () => {
            ran = true;
            return [stub];
          },
        }),
      ),
      /the config did not check/,
    );
    assert.equal(ran, false);
    assert.deepEqual(await leftoverDirs(), []);
  });

  test("stop() kills a server that ignores SIGTERM once the grace period ends", async () => {
    const server = await startPrivateServer(spec(["stubborn"], listening, { stopGraceMs: 300 }));
    const pid = server.child.pid!;
    await server.stop();
    assert.equal(server.child.signalCode, "SIGKILL");
    assert.equal(alive(pid), false);
    assert.equal(existsSync(server.dir), false);
  });

  test("as root, a root-shy server runs as the preferred user, else nobody, else the start is refused", { skip: process.getuid?.() === 0 ? false : "only root switches users" }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "passwd-"));
    try {
      const passwd = (lines: string[]) => writeFile(path.join(dir, "passwd"), lines.join("\n") + "\n").then(() => path.join(dir, "passwd"));
      const both = await passwd(["root:x:0:0:root:/root:/bin/bash", "postgres:x:101:104::/var/lib/postgresql:/bin/bash", "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"]);
      assert.deepEqual(unprivilegedUser("postgres", both), { name: "postgres", uid: 101, gid: 104 });
      const onlyNobody = await passwd(["root:x:0:0:root:/root:/bin/bash", "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"]);
      assert.deepEqual(unprivilegedUser("postgres", onlyNobody), { name: "nobody", uid: 65534, gid: 65534 });
      const neither = await passwd(["root:x:0:0:root:/root:/bin/bash"]);
      assert.throws(() => unprivilegedUser("postgres", neither), /neither a "postgres" nor a "nobody" user/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("runAs hands the directory to the user and starts the server with the user's ids", { skip: process.getuid?.() === 0 ? false : "only root switches users" }, async () => {
    // redis-server rather than the stub: this Node may live under /root, where nobody cannot reach it.
    const port = await getFreePort();
    const nobody = unprivilegedUser("nobody")!;
    const server = await startPrivateServer({
      name: "redis-server as nobody",
      binary: "redis-server",
      dirPrefix: prefix,
      runAs: nobody,
      args: (dir) => ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
      // Its own words, not the port: another process could hold a port chosen beforehand.
      ready: async (server) => /Ready to accept connections/.test(server.log()),
      readyTimeoutMs: 20_000,
    });
    try {
      const status = readFileSync(`/proc/${server.child.pid}/status`, "utf8");
      assert.match(status, new RegExp(`^Uid:\\s+${nobody.uid}\\s`, "m"), "the server should run as nobody");
      assert.equal(statSync(server.dir).uid, nobody.uid, "the directory should belong to nobody");
    } finally {
      await server.stop();
    }
    assert.equal(existsSync(server.dir), false);
  });
});
