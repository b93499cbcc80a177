// `npm run lab -- start 17`: the shop behind HAProxy, with its budgets (see stack.ts).
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "stack.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `curl -s ${url}/products/7`,
    `curl -s -X POST ${url}/signup -H 'content-type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}'`,
    `curl -s -i -c /tmp/shop.jar -X POST ${url}/login -H 'content-type: application/json' -d '{"email":"ada@example.com","password":"correct horse"}'`,
  ],
  note: "The ADMIN_TOKEN line above is for /admin routes; the budgets line says where the governor's and the email provider's counts are.",
};
export default start;
