// The worker process: `node labs/17-capstone/src/worker.ts`. The shop has no background jobs yet.
import { loadConfigOrExit } from "./config.ts";

const config = loadConfigOrExit();
console.log(`${config.instance} worker ready: nothing to do`);
const idle = setInterval(() => {}, 60_000);

const stop = () => {
  clearInterval(idle);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
