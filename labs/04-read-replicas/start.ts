// `npm run lab -- start 04`: 3,000 sample profiles on a replica set whose secondaries lag, then the app.
import type { LabStart } from "#kit/cli/commands/start.ts";
import { seedProfiles } from "./src/seed.ts";

const start: LabStart = {
  async seed({ db }) {
    const profiles = await seedProfiles(db!);
    return { [`${profiles.length} profiles; the first has id`]: profiles[0]!._id.toHexString() };
  },
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT" }],
  examples: ({ url, seeded }) => {
    const id = Object.values(seeded)[0];
    return [
      `curl -s -c jar -X PATCH ${url}/profiles/${id} -H 'content-type: application/json' -d '{"name":"Ada"}'`,
      `curl -s -b jar ${url}/profiles/${id}      # the writer sees the new name (from the primary)`,
      `curl -s ${url}/analytics/signups         # a report that belongs on a secondary`,
    ];
  },
};
export default start;
