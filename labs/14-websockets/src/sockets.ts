// Sending to one socket, and what to do with a client that does not keep up.
import { WebSocket } from "ws";
import type { Config } from "./config.ts";

export function sendTo(ws: WebSocket, data: string, config: Config): void {
  void config;
  if (ws.readyState !== WebSocket.OPEN) return;
  // TODO(4): a client that does not read makes ws keep everything sent to it in memory, without limit.
  // Past config.maxBufferedBytes, drop that client with the close code README step 4 names.
  ws.send(data);
}
