// The order-update feed: publish an update, and push every update to every subscribed socket.
import type { WebSocket } from "ws";
import type { Feed, FeedDeps, ParsedLastId } from "./contracts.ts";

/** The lastId query parameter of an upgrade: absent, or an id exactly as the feed sends it. */
export function parseLastId(raw: string | null): ParsedLastId {
  // TODO(2): the client sends back the id of the last update it saw. Accept only what the feed could
  // have sent (README step 2 says the format); refuse anything else with an error, before it reaches Redis.
  void raw;
  return { ok: true, id: null };
}

export function createFeed({ redis, config, send }: FeedDeps): Feed {
  void redis;
  void config;
  // TODO(1): these are the sockets of this instance only. An update published on another instance
  // never reaches them, and one published here never reaches the other instances' clients. Share the
  // updates through Redis so that every instance delivers every update to its own sockets, once each,
  // in the order they were published. Close whatever Redis connection you open in close().
  const sockets = new Set<WebSocket>();
  let sequence = 0;

  return {
    ready: Promise.resolve(),
    async publish(update) {
      const id = `${Date.now()}-${sequence++}`;
      const data = JSON.stringify({ type: "update", id, ...update });
      for (const ws of sockets) send(ws, data);
      return id;
    },
    attach(ws, lastId) {
      // TODO(2): a client that reconnects with lastId missed what was published meanwhile. Send it what
      // it missed, once each and in order, before and without losing live updates; or, when lastId is no
      // longer in the window of REPLAY_WINDOW updates that Redis keeps, a {"type":"reload"} message.
      void lastId;
      sockets.add(ws);
      ws.once("close", () => sockets.delete(ws));
    },
    async close() {
      sockets.clear();
    },
  };
}
