/**
 * A gate between an app process and Redis, for the step 1 tests: it can hold what the app sends
 * (to see whether the app answers before Redis has acknowledged a job) or answer every command
 * with an error (to see what the app does when Redis refuses a job).
 */
import { once } from "node:events";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

/**
 * A TCP pass-through in front of Redis that can hold what clients send. While held, a command
 * reaches Redis only on release(), so a test can see what an app does before Redis has
 * acknowledged it.
 */
export interface RedisGate {
  url: string;
  hold(): void;
  release(): void;
  /** Answer every command with an error instead of passing it on, until accept(). */
  refuse(): void;
  accept(): void;
  /** Commands answered with an error so far. */
  refusedCount(): number;
  /** Bytes clients sent while held, not yet forwarded. */
  heldBytes(): number;
  close(): Promise<void>;
}

export async function startRedisGate(redisUrl: string): Promise<RedisGate> {
  const target = new URL(redisUrl);
  let holding = false;
  let refusing = false;
  let refused = 0;
  const queued: Array<{ upstream: Socket; chunk: Buffer }> = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      if (refusing) {
        // One error reply per complete command, so the client's replies stay in step.
        pending = Buffer.concat([pending, chunk]);
        const { commands, rest } = splitCommands(pending);
        pending = rest;
        refused += commands;
        client.write("-ERR refused by the test's Redis gate\r\n".repeat(commands));
      } else if (holding) queued.push({ upstream, chunk });
      else upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = new URL(redisUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    hold: () => void (holding = true),
    release() {
      holding = false;
      for (const { upstream, chunk } of queued.splice(0)) upstream.write(chunk);
    },
    heldBytes: () => queued.reduce((sum, q) => sum + q.chunk.length, 0),
    refuse: () => void (refusing = true),
    accept: () => void (refusing = false),
    refusedCount: () => refused,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

/** Count the complete RESP commands (arrays of bulk strings) at the start of `data`. */
function splitCommands(data: Buffer): { commands: number; rest: Buffer } {
  let at = 0;
  let commands = 0;
  const line = (from: number): [string, number] | undefined => {
    const end = data.indexOf("\r\n", from);
    return end < 0 ? undefined : [data.subarray(from, end).toString(), end + 2];
  };
  for (;;) {
    const header = line(at);
    if (!header || !header[0].startsWith("*")) break;
    let next = header[1];
    let complete = true;
    for (let i = 0; i < Number(header[0].slice(1)); i++) {
      const size = line(next);
      if (!size) {
        complete = false;
        break;
      }
      next = size[1] + Number(size[0].slice(1)) + 2;
      if (next > data.length) {
        complete = false;
        break;
      }
    }
    if (!complete) break;
    at = next;
    commands++;
  }
  return { commands, rest: data.subarray(at) };
}
