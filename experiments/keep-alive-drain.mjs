// lesson: graceful-shutdown
// claim: server.close() waits for connections, not requests: a keep-alive connection busy at close time stays open until keepAliveTimeout, unless the server answers with Connection: close or closes idle connections after its responses.
import http from "node:http";
import { once } from "node:events";
import net from "node:net";

const KEEP_ALIVE_MS = 1_500; // Node's default is 5 s; shortened so the experiment is quick
const WORK_MS = 200;

async function shutdown(strategy) {
  let draining = false;
  let arrived;
  const requestArrived = new Promise((resolve) => (arrived = resolve));
  const server = http.createServer((req, res) => {
    arrived();
    setTimeout(() => {
      if (draining && strategy === "connection-close") res.setHeader("connection", "close");
      res.end("done");
      if (draining && strategy === "close-idle") res.once("finish", () => setImmediate(() => server.closeIdleConnections()));
    }, WORK_MS);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  // The client is a raw keep-alive connection, as a load balancer or a pooled HTTP client holds one:
  // it reads the response and leaves the socket open for the next request.
  const socket = net.connect(server.address().port, "127.0.0.1");
  const response = new Promise((resolve, reject) => {
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      text += chunk;
      if (text.endsWith("done")) resolve(Number(text.split(" ")[1]));
    });
    socket.on("error", reject);
  });
  socket.write("GET / HTTP/1.1\r\nHost: api\r\nConnection: keep-alive\r\n\r\n");
  // Close only once the request is being worked on: a connection with no request yet counts as idle,
  // and close() would drop it.
  await requestArrived;
  const started = performance.now();
  draining = true;
  const closed = new Promise((resolve) => server.close(resolve));
  const status = await response;
  await closed;
  const ms = performance.now() - started;
  socket.destroy();
  return { status, ms };
}

// Node 24 keeps an idle keep-alive socket for keepAliveTimeout plus keepAliveTimeoutBuffer (1 s by default).
const buffer = http.createServer().keepAliveTimeoutBuffer ?? 0;
console.log(`one keep-alive request in flight (${WORK_MS} ms of work) when server.close() is called; keepAliveTimeout ${KEEP_ALIVE_MS} ms + ${buffer} ms buffer`);
const rows = [];
for (const [strategy, label] of [
  ["plain", "server.close() alone              "],
  ["connection-close", "+ Connection: close while draining"],
  ["close-idle", "+ closeIdleConnections() after    "],
]) {
  const { status, ms } = await shutdown(strategy);
  // rounded to 100 ms: the point is the order of magnitude, not the jitter of timers.
  console.log(`${label}  response ${status}, closed after ~${Math.round(ms / 100) * 100} ms`);
  rows.push({ x: label.trim(), y: Math.round(ms / 100) * 100 });
}
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Time for the server to close, by shutdown", summary: `Closed after ~${rows[0].y} ms with close() alone, ~${rows[1].y} and ~${rows[2].y} ms with the fixes.`, x: { title: "shutdown" }, y: { title: "closed after", unit: "ms" }, rows })}`);
