// The order-update feed: publish an update, and push every update to every subscribed socket.
import type { WebSocket } from "ws";
import { compareIds, updateMessage, type Feed, type FeedDeps, type ParsedLastId } from "./contracts.ts";

const ID = /^(\d{1,20})-(\d{1,20})$/;
const U64 = 2n ** 64n - 1n;

/** The lastId query parameter of an upgrade: absent, or an id exactly as the feed sends it. */
export function parseLastId(raw: string | null): ParsedLastId {
  if (raw === null) return { ok: true, id: null };
  const match = ID.exec(raw);
  // A stream id is two unsigned 64-bit numbers; anything else is not one of ours.
  if (!match || BigInt(match[1]!) > U64 || BigInt(match[2]!) > U64) return { ok: false, error: 'lastId must be an id the feed sent, "<milliseconds>-<sequence>"' };
  return { ok: true, id: raw };
}

interface Client {
  ws: WebSocket;
  /** Live updates that arrived during this client's replay; null once it is live. */
  pending: [string, string][] | null;
  /** The last id this client has: nothing at or before it is sent again. */
  after: string | null;
}

export function createFeed({ redis, config, send }: FeedDeps): Feed {
  // A stream, not pub/sub: every instance reads the same ordered history, and a reconnecting client can
  // catch up from the id it last saw. Pub/sub would forget a message the moment it was delivered.
  const key = `${config.namespace}:orders:feed`;
  // Per feed, not per module: two instances in one process each have their own sockets.
  const clients = new Set<Client>();
  // XREAD BLOCK holds its connection: it gets one of its own.
  const reader = redis.duplicate();
  reader.on("error", () => {});
  let stopped = false;

  // Live updates wait while the client's replay is read; after it, nothing at or before what it has goes out.
  const deliver = (client: Client, id: string, data: string) => {
    if (client.pending) return void client.pending.push([id, data]);
    deliverNow(client, id, data);
  };
  const deliverNow = (client: Client, id: string, data: string) => {
    if (client.after !== null && compareIds(id, client.after) <= 0) return;
    client.after = id;
    send(client.ws, data);
  };

  const ready = (async () => {
    // The reader starts at the newest update now ("$" if Redis cannot say yet).
    let last = await redis.xrevrange(key, "+", "-", "COUNT", 1).then((newest) => newest[0]?.[0] ?? "0-0", () => "$");
    void (async () => {
      while (!stopped) {
        try {
          const answer = (await reader.xread("BLOCK", 1000, "STREAMS", key, last)) as [string, [string, string[]][]][] | null;
          for (const [, entries] of answer ?? []) {
            for (const [id, fields] of entries) {
              last = id;
              const data = updateMessage(id, fields);
              for (const client of clients) deliver(client, id, data);
            }
          }
        } catch {
          if (!stopped) await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    })();
  })();

  async function replay(client: Client, lastId: string): Promise<void> {
    try {
      // From lastId itself, in one read: if the stream still holds it, everything after it is here too (trimming
      // only ever removes the oldest). If it does not (trimmed, or never ours), updates may be gone: reload.
      const entries = await redis.xrange(key, lastId, "+", "COUNT", config.replayWindow + 1);
      if (entries[0]?.[0] !== lastId) {
        send(client.ws, JSON.stringify({ type: "reload", reason: "lastId is outside the window: reload, then follow the feed" }));
        client.after = null;
        // Live updates that came in meanwhile still go out, after the reload.
      } else {
        for (const [id, fields] of entries.slice(1)) deliverNow(client, id, updateMessage(id, fields));
      }
    } catch {
      send(client.ws, JSON.stringify({ type: "reload", reason: "the history is unavailable: reload, then follow the feed" }));
      client.after = null;
    }
    const pending = client.pending ?? [];
    client.pending = null;
    for (const [id, data] of pending) deliver(client, id, data);
  }

  return {
    ready,
    async publish(update) {
      // Exact MAXLEN: the window is a promise to clients, so it is not left to "~" trimming.
      return (await redis.xadd(key, "MAXLEN", String(config.replayWindow), "*", "order", update.order, "status", update.status, "note", update.note))!;
    },
    attach(ws, lastId) {
      const client: Client = { ws, pending: lastId === null ? null : [], after: lastId };
      clients.add(client);
      ws.once("close", () => clients.delete(client));
      if (lastId !== null) void replay(client, lastId);
    },
    async close() {
      stopped = true;
      clients.clear();
      reader.disconnect();
    },
  };
}
