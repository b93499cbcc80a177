// `npm run lab -- start 12`: the app alone (no services); the hash cost is the realistic 600,000 iterations.
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `for i in 1 2 3 4; do curl -s -X POST ${url}/hash -H 'content-type: application/json' -d '{"password":"hunter2"}' & done; time curl -s ${url}/health`,
    `curl -s -i -X POST ${url}/hash -H 'content-type: application/json' -d '{"password":"correct horse"}'`,
  ],
  note: "With the starter, the timed /health waits for every hash before it; with a pool it answers at once. POOL_SIZE and QUEUE_MAX change the pool.",
};
export default start;
