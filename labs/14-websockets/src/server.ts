// One instance: `node labs/14-websockets/src/server.ts` (PORT, INSTANCE, REDIS_URL, WORKBOOK_NS, ...; see config.ts).
import { createApp } from "./app.ts";
import { readConfig } from "./config.ts";

const config = readConfig();
const app = createApp(config);
await app.ready;
app.server.listen(config.port, config.host, () => {
  console.log(`${config.instance} listening on http://${config.host}:${config.port} (pid ${process.pid})`);
});

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${config.instance} got ${signal}: draining`);
  await app.drain();
  await app.close();
  console.log(`${config.instance} drained; exiting`);
  process.exit(0);
};
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
