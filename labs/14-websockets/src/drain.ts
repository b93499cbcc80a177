// What an instance does between SIGTERM and exit.
import type { WebSocket } from "ws";
import type { Config } from "./config.ts";
import type { Lifecycle } from "./contracts.ts";

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
