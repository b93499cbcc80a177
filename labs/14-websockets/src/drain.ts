// What an instance does between SIGTERM and exit.
import type { WebSocket } from "ws";
import type { Config } from "./config.ts";

export interface Lifecycle {
  /** Whether /ready answers 200 (HAProxy's health check reads it). */
  ready(): boolean;
  /** Whether a new upgrade may open a socket here. */
  admitting(): boolean;
  /** Close the open sockets, then resolve. */
  drain(sockets: Set<WebSocket>): Promise<void>;
}

export function createLifecycle(config: Config): Lifecycle {
  void config;
  // TODO(5): on SIGTERM this instance keeps saying it is ready and keeps taking sockets, then cuts
  // every socket at the same moment, and every client comes back at once. README step 5 says what a
  // stopping instance must do instead, and over how long.
  return {
    ready: () => true,
    admitting: () => true,
    async drain(sockets) {
      for (const ws of sockets) ws.terminate();
    },
  };
}
