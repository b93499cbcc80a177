// What an instance does between SIGTERM and exit.
import { WebSocket } from "ws";
import type { Config } from "./config.ts";
import type { Lifecycle } from "./contracts.ts";

/** 1012 "Service Restart" (IANA registry): the client reconnects, to another instance. */
export const RESTART_CODE = 1012;

export function createLifecycle(config: Config): Lifecycle {
  let draining = false;
  return {
    ready: () => !draining,
    admitting: () => !draining,
    async drain(sockets) {
      draining = true;
      const open = [...sockets];
      // One close every window/n ms: clients come back over the window, not in a burst.
      const gap = open.length > 0 ? config.drainWindowMs / open.length : 0;
      await Promise.all(
        open.map(
          (ws, i) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              ws.once("close", () => resolve());
              setTimeout(() => {
                ws.close(RESTART_CODE, "instance restarting; reconnect");
                // A client that never answers the close does not hold the exit up.
                setTimeout(() => ws.terminate(), 2_000).unref();
              }, i * gap);
            }),
        ),
      );
    },
  };
}
