// `npm run lab -- start 11`: the catalog origin, then Varnish in front of it (varnish/run.ts, on
// 127.0.0.1:6081 unless VARNISH_URL names another Varnish). The app sends its purges there.
import type { LabStart } from "#kit/cli/commands/start.ts";

const varnishUrl = process.env.VARNISH_URL || "http://127.0.0.1:6081";

const start: LabStart = {
  processes: [
    { name: "app", entry: "src/server.ts", portEnv: "PORT", urlEnv: "ORIGIN_URL", env: { VARNISH_URL: varnishUrl } },
    { name: "varnish", entry: "varnish/run.ts", ready: /Varnish on http/, env: { CDN_PORT: new URL(varnishUrl).port || "6081" } },
  ],
  examples: ({ url }) => [
    `curl -s -D - -o /dev/null ${varnishUrl}/products/1   # twice: Age and X-Varnish tell a hit from a miss`,
    `curl -s ${url}/_origin/stats   # what reached the origin`,
    `curl -s -X PUT ${varnishUrl}/products/1 -H 'content-type: application/json' -d '{"priceCents":1234}'`,
  ],
  note: `Clients go through Varnish (${varnishUrl}); the app's own URL bypasses it. After editing varnish/default.vcl, stop and start again.`,
};
export default start;
