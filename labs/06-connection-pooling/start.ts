// `npm run lab -- start 06`: the app seeds 200 sample products itself when it starts.
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `curl -s ${url}/products/SKU-0042`,
    `curl -s ${url}/pool      # pool checkouts and how long requests waited for a connection (p50, p95, max)`,
  ],
  note: "To see it fail fast, start it again with MONGO_URL=mongodb://127.0.0.1:1/ (nothing listens there) and repeat the first curl.",
};
export default start;
