// A feed client, as a browser page or an SDK would run it: follows the feed, remembers the last id,
// and reconnects after a close, waiting as client.ts says. Tests and the bench use it.
import { WebSocket } from "ws";
import { backoffDelay, type Backoff } from "./client.ts";

export interface FeedMessage {
  type: string;
  id?: string;
  [field: string]: unknown;
}

export interface FeedClientOptions {
  /** ws://host:port/feed */
  url: string;
  cookie: string;
  origin: string;
  backoff: Backoff;
  random?: () => number;
  onMessage?(message: FeedMessage): void;
  /** Every time a socket opens (the first time too). */
  onOpen?(): void;
  /** Every time a socket closes, with its close code (1006 when it broke without one). */
  onClose?(code: number): void;
  /** An upgrade refused with an HTTP status (401, 403: stop; 503: retry). */
  onRefused?(status: number): void;
}

export interface FeedClient {
  /** The id of the last update received, sent as lastId when reconnecting. */
  readonly lastId: string | null;
  readonly reconnects: number;
  close(): void;
}

export function connectFeed(options: FeedClientOptions): FeedClient {
  let lastId: string | null = null;
  let attempt = 0;
  let reconnects = 0;
  let closed = false;
  let ws: WebSocket | undefined;
  let timer: NodeJS.Timeout | undefined;

  const open = () => {
    const url = new URL(options.url);
    if (lastId !== null) url.searchParams.set("lastId", lastId);
    ws = new WebSocket(url, { headers: { cookie: options.cookie }, origin: options.origin });
    let refused = false;
    ws.on("unexpected-response", (_req, res) => {
      refused = true;
      options.onRefused?.(res.statusCode ?? 0);
      res.resume();
      ws?.terminate();
      // Not allowed in: trying again would not change that.
      if (res.statusCode === 401 || res.statusCode === 403) closed = true;
      else retry();
    });
    ws.on("open", () => options.onOpen?.());
    ws.on("message", (raw) => {
      const message = JSON.parse(String(raw)) as FeedMessage;
      if (message.type === "hello") attempt = 0;
      if (message.type === "update" && typeof message.id === "string") lastId = message.id;
      options.onMessage?.(message);
    });
    ws.on("error", () => {});
    ws.on("close", (code) => {
      if (refused) return;
      options.onClose?.(code);
      retry();
    });
  };

  const retry = () => {
    if (closed) return;
    const delay = backoffDelay(attempt++, options.backoff, options.random);
    timer = setTimeout(() => {
      reconnects++;
      open();
    }, delay);
  };

  open();
  return {
    get lastId() {
      return lastId;
    },
    get reconnects() {
      return reconnects;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      ws?.terminate();
    },
  };
}
