import { seedProducts } from "./catalog.ts";
import { createApp } from "./app.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createDatabase } from "./db.ts";

// Process entry: `node labs/06-connection-pooling/src/server.ts`. Configuration comes from the
// environment (src/config.ts); a bad value stops the process here, before it takes traffic.
let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const database = createDatabase(config);
const app = createApp(database);
const server = app.listen(config.port, config.host, () => {
  console.log(`connection-pooling API listening on http://${config.host}:${config.port} (try GET /products/SKU-0001 and GET /pool)`);
});

// Sample data for trying the API by hand; the tests seed their own (SKIP_SEED=1).
if (process.env.SKIP_SEED !== "1") {
  database.withDb((db) => seedProducts(db)).catch((error: unknown) => {
    console.error(`could not seed sample products: ${error instanceof Error ? error.message : String(error)}`);
  });
}

const stop = () => {
  server.close();
  void database.close();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
