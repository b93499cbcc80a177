import { createApp } from "./app.ts";
import { readPort } from "./config.ts";

// The process entry: `node labs/07-observability/src/server.ts` (PORT defaults to 3000).
const port = readPort();
const host = process.env.HOST ?? "127.0.0.1";
const server = createApp().listen(port, host, () => {
  console.log(`lab 07 listening on http://${host}:${port} (metrics at /metrics)`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
process.once("SIGINT", () => server.close(() => process.exit(0)));
