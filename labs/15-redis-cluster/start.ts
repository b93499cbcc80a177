// `npm run lab -- start 15`: the app on the kit's Redis and Redis Cluster (the starter uses only REDIS_URL).
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `curl -s -X POST ${url}/api/products -H 'content-type: application/json' -d '{"products":[{"sku":"mug-red","priceCents":1200},{"sku":"mug-blue","priceCents":1250},{"sku":"tee-s","priceCents":1800}]}'`,
    `for s in mug-red mug-blue tee-s; do curl -s -X POST ${url}/api/carts/ada/items -H 'content-type: application/json' -d "{\\"sku\\":\\"$s\\",\\"qty\\":2}"; done; echo`,
    `curl -s ${url}/api/carts/ada; echo; curl -s -X POST ${url}/api/carts/ada/checkout; echo`,
  ],
  note: "Look where the keys went: redis-cli -c -p <a cluster port> --scan, on each primary; CLUSTER KEYSLOT <key> gives a key's slot.",
};
export default start;
