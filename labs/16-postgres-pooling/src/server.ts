import { createApp } from "./app.ts";
import { SummaryCache } from "./cache.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createDatabase } from "./db.ts";
import type { EventSummary } from "./events.ts";
import { listenForChanges } from "./listen.ts";

// Process entry: `node labs/16-postgres-pooling/src/server.ts`. A bad environment stops it here.
let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const db = createDatabase(config);
const cache = new SummaryCache<EventSummary>();
const listener = listenForChanges(config, (id) => (id === "all" ? cache.clear() : cache.delete(id)));
const app = createApp(db, cache);
const server = app.listen(config.port, config.host, () => {
  console.log(`bookings API listening on http://${config.host}:${config.port} (try GET /events/1)`);
});

const stop = () => {
  server.close();
  void Promise.allSettled([listener.close(), db.close()]);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
