/**
 * A redis-server this test file owns, on its own port, so it can be stopped, frozen and
 * restarted without touching the Redis that other runs share.
 */
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import { getFreePort, spawnTied } from "#kit/testing/index.ts";

export interface PrivateRedis {
  url: string;
  /** Start (again) on the same port, empty. */
  start(): Promise<void>;
  /** Stop the process; clients see the connection close. */
  stop(): Promise<void>;
  /** SIGSTOP: the connection stays open but nothing answers, like an overloaded or hung server. */
  freeze(): void;
  thaw(): void;
}

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(300, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await getFreePort();
  // spawnTied: the server dies with this test process, even one killed with SIGKILL.
  let child: ChildProcess | undefined;

  const server: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"];
      child = spawnTied("redis-server", args, { stdio: "ignore" });
      const spawned = await new Promise<boolean>((resolve) => {
        child!.once("error", () => resolve(false));
        child!.once("spawn", () => resolve(true));
      });
      if (!spawned) throw new Error("this test needs redis-server on PATH to start a Redis it may stop");
      const deadline = Date.now() + 10_000;
      while (!(await pong(port))) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
      current.kill("SIGCONT");
      current.kill("SIGTERM");
      const force = setTimeout(() => current.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(force);
    },
    freeze: () => void child?.kill("SIGSTOP"),
    thaw: () => void child?.kill("SIGCONT"),
  };
  await server.start();
  return server;
}
