import { createApp } from "./app.ts";
import { loadConfig } from "./config.ts";

const config = loadConfig();
const server = createApp(config).listen(config.port, config.host, () => {
  console.log(`catalog origin listening on http://${config.host}:${config.port}`);
});

const shutdown = () => server.close(() => process.exit(0));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
