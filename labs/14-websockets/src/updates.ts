// The feed's contract (what app.ts and upgrade.ts call) and the order of stream ids. Given: feed.ts implements it.
import type { Redis } from "ioredis";
import type { WebSocket } from "ws";
import type { Config } from "./config.ts";

export interface Update {
  order: string;
  status: string;
  note: string;
}

export interface Feed {
  /** Resolves once updates published from now on will reach this instance's sockets. */
  ready: Promise<void>;
  /** Record an update; resolves with its id. */
  publish(update: Update): Promise<string>;
  /** Push updates to `ws` from now on; after `lastId` when the client gave one. */
  attach(ws: WebSocket, lastId: string | null): void;
  /** Stop, and let go of everything this feed holds. */
  close(): Promise<void>;
}

export interface FeedDeps {
  redis: Redis;
  config: Config;
  /** Send one frame to one socket (sockets.ts decides what a slow socket gets). */
  send(ws: WebSocket, data: string): void;
}

export type ParsedLastId = { ok: true; id: string | null } | { ok: false; error: string };

/** Order of two stream ids: negative, zero or positive. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}
