// `npm run lab -- start 06`: the app seeds 200 sample products itself when it starts.
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `curl -s ${url}/products/SKU-0042`,
    `curl -s ${url}/pool      # the pool: connections open, in use, and requests waiting for one`,
  ],
  note: "To see the failure path, stop the database (Ctrl-C here stops the embedded one with the app) or start with MONGO_URL pointing at a port where nothing listens.",
};
export default start;
