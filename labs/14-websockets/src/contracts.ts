// The contracts between app.ts and the files you edit, and two helpers for stream entries. Given.
import type { Redis } from "ioredis";
import type { WebSocket } from "ws";
import type { Config } from "./config.ts";
import type { Sessions } from "./sessions.ts";

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

/** The feed message for one stream entry (its id, and its fields as XRANGE / XREAD return them). */
export function updateMessage(id: string, fields: string[]): string {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return JSON.stringify({ type: "update", id, order: f.order, status: f.status, note: f.note ?? "" });
}

/** What drain.ts gives app.ts: readiness, admission of new sockets, and the drain itself. */
export interface Lifecycle {
  /** Whether /ready answers 200 (HAProxy's health check reads it). */
  ready(): boolean;
  /** Whether a new upgrade may open a socket here. */
  admitting(): boolean;
  /** Close the open sockets, then resolve. */
  drain(sockets: Set<WebSocket>): Promise<void>;
}

/** What app.ts gives upgrade.ts. */
export interface UpgradeContext {
  config: Config;
  sessions: Sessions;
  /** Complete the upgrade (101) and start the feed for `user`. */
  accept(user: string, lastId: string | null): void;
}
