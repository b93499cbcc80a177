// One API instance: `node labs/17-capstone/src/server.ts` (env: see config.ts).
import { createApp } from "./app.ts";
import { loadConfigOrExit } from "./config.ts";
import { connectStore } from "./db.ts";

const config = loadConfigOrExit();
const store = await connectStore(config);
const app = createApp(config, store);

const server = app.listen(config.port, config.host, () => {
  console.log(`${config.instance} listening on http://${config.host}:${config.port} (pid ${process.pid})`);
});

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
void server;
