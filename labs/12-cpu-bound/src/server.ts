import { createApp } from "./app.ts";
import { readConfig } from "./config.ts";
import { createPool } from "./pool.ts";

// The process entry: `node labs/12-cpu-bound/src/server.ts` (PORT defaults to 3000).
const config = readConfig();
const pool = createPool(process.env);
const app = createApp({ pool, iterations: config.iterations });

const server = app.listen(config.port, config.host, () => {
  console.log(`lab 12 listening on http://${config.host}:${config.port} (pid ${process.pid})`);
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  pool.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`closing the pool failed: ${String(error)}`);
      process.exit(1);
    },
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
