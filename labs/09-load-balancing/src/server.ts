import { createApp } from "./app.ts";
import { readConfig } from "./config.ts";
import { newState } from "./state.ts";

// One API instance: `node labs/09-load-balancing/src/server.ts` (PORT, INSTANCE, WORK_MS, WARMUP_MS).
const config = readConfig();
const state = newState();
const app = createApp(config, state);

const server = app.listen(config.port, config.host, () => {
  console.log(`${config.instance} listening on http://${config.host}:${config.port} (pid ${process.pid}); warming up for ${config.warmupMs} ms`);
  setTimeout(() => {
    state.warm = true;
    console.log(`${config.instance} is warm`);
  }, config.warmupMs);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
