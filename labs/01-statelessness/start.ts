// `npm run lab -- start 01`: two instances of the app behind the kit's round-robin balancer, the
// way the tests run it, so a session made on one instance is asked for on the other.
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT" }],
  appInstances: 2,
  examples: ({ url }) => [
    `curl -i -c jar -X POST ${url}/login -H 'content-type: application/json' -d '{"username":"ada"}'`,
    `curl -i -b jar ${url}/me      # the next instance: 401 with the starter, 200 once sessions live in Redis`,
    `curl -i -b jar -X POST ${url}/cart/items -H 'content-type: application/json' -d '{"sku":"mug","qty":2}'`,
  ],
};
export default start;
