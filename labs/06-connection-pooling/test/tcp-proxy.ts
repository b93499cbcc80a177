import net from "node:net";
import { BSON } from "mongodb";

/**
 * A TCP proxy between the app and MongoDB that counts what the server would see: every TCP
 * connection the app opens, and how many queries are in flight at once. It can hold queries on
 * one collection for `holdMs` (a slow query, without needing a slow server), and refuse new
 * connections (a database that is down).
 *
 * It frames the MongoDB wire protocol only by its 4-byte length prefix: each client message is a
 * request, the next server message on that connection is its reply.
 */
export interface CountingProxy {
  /** A connection string for the app: straight to the proxy. */
  url: string;
  /** TCP connections accepted since start (or since reset()). */
  readonly accepted: number;
  /** Most held queries in flight at the same moment, across all connections. */
  readonly maxHeldInFlight: number;
  /** Hold requests that mention `marker` (e.g. a collection name) this long before forwarding. */
  hold(marker: string, holdMs: number): void;
  /**
   * Make requests that mention `marker` fail instead of reaching the server: "reset" drops the
   * connection mid-query (a network failure); "server-error" answers with a MongoDB error reply
   * (a bad query, not an outage). undefined turns it off.
   */
  fail(marker: string, how: "reset" | "server-error" | undefined): void;
  /** Requests failed by fail() so far. */
  readonly failed: number;
  /** While true, new connections are closed at once, as if the database were down. */
  refuse(on: boolean): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(target: { host: string; port: number }): Promise<CountingProxy> {
  let accepted = 0;
  let heldInFlight = 0;
  let maxHeldInFlight = 0;
  let holdMarker: Buffer | undefined;
  let holdMs = 0;
  let refusing = false;
  let failMarker: Buffer | undefined;
  let failHow: "reset" | "server-error" | undefined;
  let failed = 0;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    let awaitingHeldReply = 0;
    let chain = Promise.resolve();

    const fromClient = framer((message) => {
      if (failHow && failMarker && message.includes(failMarker)) {
        failed++;
        if (failHow === "reset") client.destroy();
        else client.write(errorReply(message.readInt32LE(4)));
        return;
      }
      const held = holdMarker !== undefined && holdMs > 0 && message.includes(holdMarker);
      if (held) {
        heldInFlight++;
        awaitingHeldReply++;
        maxHeldInFlight = Math.max(maxHeldInFlight, heldInFlight);
      }
      const delay = held ? holdMs : 0;
      // Keep the order of messages on this connection while delaying held ones.
      chain = chain.then(() => new Promise<void>((resolve) => setTimeout(() => (upstream.write(message), resolve()), delay)));
    });
    const fromServer = framer((message) => {
      if (awaitingHeldReply > 0) {
        awaitingHeldReply--;
        heldInFlight--;
      }
      client.write(message);
    });

    client.on("data", fromClient);
    upstream.on("data", fromServer);
    const end = () => {
      heldInFlight -= awaitingHeldReply;
      awaitingHeldReply = 0;
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    url: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    get accepted() {
      return accepted;
    },
    get maxHeldInFlight() {
      return maxHeldInFlight;
    },
    get failed() {
      return failed;
    },
    fail(marker, how) {
      failMarker = Buffer.from(marker);
      failHow = how;
    },
    hold(marker, ms) {
      holdMarker = Buffer.from(marker);
      holdMs = ms;
    },
    refuse(on) {
      refusing = on;
      if (on) for (const socket of sockets) socket.destroy();
    },
    reset() {
      accepted = 0;
      maxHeldInFlight = heldInFlight;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Split a byte stream into whole wire-protocol messages (int32 little-endian length first). */
function framer(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let buffered: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readInt32LE(0);
      if (length < 16 || buffered.length < length) break;
      onMessage(buffered.subarray(0, length));
      buffered = buffered.subarray(length);
    }
  };
}

/** An OP_MSG reply to request `requestId` saying the command failed with BadValue (code 2). */
function errorReply(requestId: number): Buffer {
  const body = BSON.serialize({ ok: 0, errmsg: "injected by the test proxy: a bad query", code: 2, codeName: "BadValue" });
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0);
  header.writeInt32LE(0x7fff0000 + (requestId & 0xffff), 4);
  header.writeInt32LE(requestId, 8);
  header.writeInt32LE(2013, 12); // OP_MSG
  header.writeUInt32LE(0, 16); // flag bits
  header.writeUInt8(0, 20); // section kind 0: one BSON document
  return Buffer.concat([header.subarray(0, 21), body]);
}
