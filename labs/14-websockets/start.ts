// `npm run lab -- start 14`: two instances behind HAProxy with this folder's haproxy.cfg (see stack.ts).
import type { LabStart } from "#kit/cli/commands/start.ts";

const start: LabStart = {
  processes: [{ name: "app", entry: "stack.ts", portEnv: "PORT" }],
  examples: ({ url }) => [
    `curl -s -c /tmp/lab14.cookies -X POST ${url}/sessions -H 'content-type: application/json' -d '{"user":"ada"}'; echo`,
    `node -e 'const c=require("fs").readFileSync("/tmp/lab14.cookies","utf8").match(/sid\\t(\\S+)/)[1]; const ws=new (require("ws"))("${url.replace(/^http/, "ws")}/feed",{headers:{cookie:"sid="+c},origin:"https://shop.example"}); ws.on("message",(m)=>console.log(String(m)))'   # leave it running`,
    `curl -s -X POST ${url}/orders/o-1001/status -H 'content-type: application/json' -d '{"status":"shipped"}'; echo   # in another terminal`,
  ],
  note: "Post a few updates: with the starter, the feed sees only those that landed on its own instance. /stats on each instance (ports above) counts its sockets.",
};
export default start;
