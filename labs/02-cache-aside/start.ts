// `npm run lab -- start 02`: twenty sample users, then the app.
import type { LabStart } from "#kit/cli/commands/start.ts";
import { seedUsers } from "./src/seed.ts";

const start: LabStart = {
  async seed({ db }) {
    const ids = await seedUsers(db!, 20);
    return { "20 users; the first has id": ids[0]! };
  },
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT" }],
  examples: ({ url, seeded }) => {
    const id = seeded["20 users; the first has id"];
    return [
      `curl -i ${url}/users/${id}      # twice: the second read should not reach MongoDB (see Cache-Control too)`,
      `curl -i -X PATCH ${url}/users/${id} -H 'content-type: application/json' -d '{"name":"Grace"}'`,
      `curl -i ${url}/users/${id}      # the new name at once: the write invalidated the cache`,
    ];
  },
};
export default start;
