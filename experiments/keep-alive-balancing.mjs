// lesson: load-balancing
// claim: A layer-4 balancer picks a backend per connection, so keep-alive clients stick to whichever backend they first reached; a layer-7 balancer picks per request and spreads the same traffic evenly.
import http from "node:http";
import net from "node:net";
import { once } from "node:events";

const listen = async (server) => {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server.address().port;
};

// Three backends that count the requests they serve.
const served = [0, 0, 0];
const backends = await Promise.all(
  served.map((_, i) => listen(http.createServer((req, res) => { served[i]++; res.end(`backend ${i}`); }))),
);
const servers = [];

// Layer 4: round-robin over TCP connections; bytes are piped without looking at them.
let nextConnection = 0;
const l4 = net.createServer((client) => {
  const upstream = net.connect(backends[nextConnection++ % backends.length], "127.0.0.1");
  client.pipe(upstream).pipe(client);
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
});
servers.push(l4);

// Layer 7: parses each HTTP request and round-robins the requests, over its own keep-alive pool.
let nextRequest = 0;
const pool = new http.Agent({ keepAlive: true });
const l7 = http.createServer((req, res) => {
  const port = backends[nextRequest++ % backends.length];
  http.get({ host: "127.0.0.1", port, path: req.url, agent: pool }, (up) => up.pipe(res));
});
servers.push(l7);

async function drive(label, port) {
  served.fill(0);
  // Two clients (say, two app servers calling this API), each holding one keep-alive connection.
  for (let client = 0; client < 2; client++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 30; i++) {
      await new Promise((resolve) => http.get({ host: "127.0.0.1", port, agent }, (res) => res.resume().on("end", resolve)));
    }
    agent.destroy();
  }
  console.log(`${label}: backends served ${served.join(" / ")} of 60 requests`);
  for (const [i, n] of served.entries()) rows.push({ x: `backend ${i + 1}`, y: n, series: label.replace(/\s+/g, " ") });
}

const rows = [];
console.log("2 keep-alive clients x 30 requests through a round-robin balancer with 3 backends");
await drive("per connection (layer 4)", await listen(l4));
await drive("per request    (layer 7)", await listen(l7));
pool.destroy();
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Requests served by each backend", summary: `Per connection ${rows.slice(0, 3).map((r) => r.y).join(" / ")}; per request ${rows.slice(3).map((r) => r.y).join(" / ")}.`, x: { title: "backend" }, y: { title: "requests served" }, rows })}`);
process.exit(0); // the backends and balancers still listen, so the process would never end by itself
