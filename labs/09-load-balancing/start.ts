// `npm run lab -- start 09`: three instances behind HAProxy with this folder's haproxy.cfg (see stack.ts).
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "stack.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `for i in 1 2 3 4 5 6; do curl -s ${url}/work?items=1; echo; done`,
    `curl -s -i ${url}/admin/ready -X PUT -H 'content-type: application/json' -d '{"ready":false}'   # 403: HAProxy keeps /admin to operators`,
  ],
  note: "The stats page printed above shows each server's state, sessions and throttle. Drain an instance on its own port (PUT /admin/ready) and watch its row.",
};
export default start;
