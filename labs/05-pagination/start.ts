// `npm run lab -- start 05`: 20,000 messages (deep pages are the point), then the app.
import type { LabStart } from "#kit/cli/commands/start.ts";
import { messagesCollection } from "./src/model.ts";
import { seedMessages } from "./src/seed.ts";

const start: LabStart = {
  async seed({ db }) {
    const docs = await seedMessages(messagesCollection(db!), { count: 20_000 });
    return { "messages inserted:": docs.length.toLocaleString("en-US") };
  },
  processes: [{ name: "app", entry: "src/server.ts", portEnv: "PORT", env: { CURSOR_SECRET: "lab-start-only-secret" } }],
  examples: ({ url }) => [
    `curl -s '${url}/messages?limit=3'`,
    `curl -s '${url}/messages?limit=100000' | wc -c      # the starter sends them all: the limit is not capped`,
    `curl -s '${url}/messages?page=500&limit=20'         # a deep page; with cursors, follow "next" instead`,
  ],
};
export default start;
