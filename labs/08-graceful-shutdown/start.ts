// `npm run lab -- start 08`: the app with its Redis, MongoDB and in-process BullMQ worker.
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `curl -s '${url}/slow?ms=5000' &  kill -TERM <the app's pid, printed above>   # does the request still get its answer?`,
    `curl -s ${url}/ready`,
    `curl -s -X POST ${url}/reports -H 'content-type: application/json' -d '{"ms":2000}'`,
  ],
  note: "Ctrl-C here sends SIGTERM to the app: its shutdown lines show whether it drains.",
};
export default start;
