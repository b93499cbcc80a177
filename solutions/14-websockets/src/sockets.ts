// Sending to one socket, and what to do with a client that does not keep up.
import { WebSocket } from "ws";
import type { Config } from "./config.ts";

/** 1013 "Try Again Later" (IANA registry): the client reconnects after a backoff, and resumes. */
export const SLOW_CLIENT_CODE = 1013;

export function sendTo(ws: WebSocket, data: string, config: Config): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  // bufferedAmount: what ws and the socket hold for this client, not yet taken by the kernel. Past the
  // bound, close: nothing more is queued, so this client holds at most the bound.
  if (ws.bufferedAmount + Buffer.byteLength(data) > config.maxBufferedBytes) {
    ws.close(SLOW_CLIENT_CODE, "too slow: send buffer full");
    return;
  }
  ws.send(data);
}
