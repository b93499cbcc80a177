// `npm run lab -- start 16`: PostgreSQL, PgBouncer and the app, all started by stack.ts.
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "stack.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `curl -s ${url}/events/1`,
    `curl -s -X POST ${url}/events/1/bookings -H 'content-type: application/json' -H 'x-time-zone: Asia/Kathmandu' -d '{"name":"Ada"}'`,
    `curl -s -X POST ${url}/events/1/reminders`,
  ],
  note: "The stack printed PgBouncer's console command above: run SHOW POOLS and SHOW SERVERS while you send requests.",
};
export default start;
