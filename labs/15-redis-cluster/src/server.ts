import { createApp } from "./app.ts";
import { readConfig } from "./config.ts";

// `node labs/15-redis-cluster/src/server.ts`, or `npm run lab -- start 15`.
const config = readConfig();
const running = createApp(config);
const server = running.app.listen(config.port, config.host, () => {
  console.log(`lab 15 listening on http://${config.host}:${config.port} (namespace ${config.namespace})`);
});

// No process.exit(): the process ends once the listener, the workers and the Redis connections are closed.
process.once("SIGTERM", () => {
  server.close();
  running.close().catch((error: unknown) => {
    console.error("closing failed:", error);
    process.exitCode = 1;
  });
});
