import { createApp } from "./app.ts";
import { openClients } from "./clients.ts";
import { readConfig } from "./config.ts";
import { installGracefulShutdown } from "./shutdown.ts";
import { createLifecycle } from "./state.ts";

// The process entry: `node labs/08-graceful-shutdown/src/server.ts` (PORT defaults to 3000).
const config = readConfig();
const clients = await openClients(config);
const lifecycle = createLifecycle();
const app = createApp({ clients, lifecycle, namespace: config.namespace });

const server = app.listen(config.port, config.host, () => {
  console.log(`lab 08 listening on http://${config.host}:${config.port} (pid ${process.pid})`);
});
// Keep idle keep-alive sockets longer than a load balancer's idle timeout (60 s on many), so the
// balancer, not this process, decides when an idle connection ends. The flip side: on shutdown
// nothing closes these sockets for a minute unless the shutdown code does it.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

installGracefulShutdown({
  server,
  lifecycle,
  clients,
  drainDelayMs: config.drainDelayMs,
  timeoutMs: config.shutdownTimeoutMs,
  log: (message) => console.log(`shutdown: ${message}`),
});
