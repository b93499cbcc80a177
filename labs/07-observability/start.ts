// `npm run lab -- start 07`: the app needs no database; its metrics are at /metrics.
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `curl -i -H 'X-Request-Id: demo-1' ${url}/users/1      # the app's log line should carry demo-1`,
    `curl -s ${url}/flaky                                   # a 500, counted as an error`,
    `curl -s ${url}/metrics | grep http_`,
  ],
};
export default start;
