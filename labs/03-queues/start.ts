// `npm run lab -- start 03`: the fake email provider (slow, one send in five fails), the API and
// the worker, each its own process as in production.
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [
    { name: "email provider", entry: "src/email-provider.ts", portEnv: "EMAIL_PORT", urlEnv: "EMAIL_URL" },
    { name: "app", entry: "src/server.ts", portEnv: "PORT" },
    { name: "worker", entry: "src/worker.ts", ready: /worker ready/ },
  ],
  examples: ({ url }) => [
    `curl -i -X POST ${url}/users -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'`,
    `curl -i -X POST ${url}/users -H 'content-type: application/json' -d '{"email":"grace@example.com","name":"Grace"}'`,
  ],
  note: "With the starter each POST waits for the provider (about 500 ms) and one in five answers 502; the [email provider] lines show every try.",
};
export default start;
