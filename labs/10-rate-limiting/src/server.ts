import { createApp } from "./app.ts";
import { readConfig } from "./config.ts";
import { createLimiter } from "./limiter.ts";

// Started once per instance: `node labs/10-rate-limiting/src/server.ts`. Run two of them to see
// whether a client's budget is shared.
const config = readConfig();
const limiter = createLimiter(config);
const instance = `${config.host}:${config.port}`;

const server = createApp(config, limiter, instance).listen(config.port, config.host, () => {
  console.log(`lab 10 listening on http://${instance} (${config.limit} requests per ${config.windowSeconds} s per client)`);
});

// No process.exit(): the process ends by itself once the listener and the limiter's connections are closed.
process.once("SIGTERM", () => {
  server.close();
  limiter.close().catch((error: unknown) => {
    console.error("closing the limiter failed:", error);
    process.exitCode = 1;
  });
});
