// `npm run lab -- start 10`: two instances of the gateway behind the kit's round-robin balancer, as
// the bench runs them, with a small policy (5 requests per 10 s) so a few curls reach the limit.
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT", env: { RATE_LIMIT: "5", RATE_WINDOW_SECONDS: "10", API_KEYS: "demo-key-alice,demo-key-bob" } }],
  appInstances: 2,
  examples: ({ url }) => [
    `for i in 1 2 3 4 5 6 7 8 9 10 11; do curl -s -o /dev/null -w '%{http_code} ' ${url}/api/items; done; echo   # the starter admits 10: 5 per instance`,
    `curl -si ${url}/api/items -H 'x-forwarded-for: 203.0.113.9' | head -12   # a made-up address: a fresh budget with the starter`,
    `curl -si ${url}/api/orders -H 'x-api-key: demo-key-alice' -H 'content-type: application/json' -d '{"sku":"mug","qty":1}'`,
  ],
  note: "Policy: RATE_LIMIT requests per RATE_WINDOW_SECONDS per client; TRUST_PROXY_HOPS (default 0) says how many X-Forwarded-For entries to trust.",
};
export default start;
