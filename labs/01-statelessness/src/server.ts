import { createApp } from "./app.ts";
import { createStore } from "./store.ts";

// Started once per instance: `node labs/01-statelessness/src/server.ts` (PORT defaults to 3000).
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const store = createStore({
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  prefix: process.env.WORKBOOK_NS ? `${process.env.WORKBOOK_NS}:` : "",
});

const server = createApp(store, `${host}:${port}`).listen(port, host, () => {
  console.log(`lab 01 listening on http://${host}:${port}`);
});

// No process.exit(): the process ends by itself once the listener and every connection the
// store opened are closed. A store whose close() leaves a connection open keeps it alive, and the
// tests report that as an instance that did not stop.
process.once("SIGTERM", () => {
  server.close();
  store.close().catch((error: unknown) => {
    console.error("closing the store failed:", error);
    process.exitCode = 1;
  });
});
