// lesson: statelessness
// claim: Behind a round-robin proxy, sessions kept in one process's memory are missing on every other request; the same app with a shared session store loses none.
import express from "express";
import http from "node:http";
import { once } from "node:events";
import { randomBytes } from "node:crypto";

// Two instances of one app. `store` is where sessions live: a Map per process, or one shared Map
// standing in for Redis (the lesson's real choice; this experiment runs without one).
async function startInstance(name, store) {
  const app = express();
  app.post("/login", (req, res) => {
    const sid = randomBytes(8).toString("hex");
    store.set(sid, { user: "ada" });
    res.json({ sid, servedBy: name });
  });
  app.get("/me", (req, res) => {
    const session = store.get(req.get("x-session") ?? "");
    if (!session) return res.status(401).json({ error: "not logged in", servedBy: name });
    res.json({ user: session.user, servedBy: name });
  });
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

// A round-robin proxy, like an nginx or HAProxy default: each request goes to the next instance.
async function startProxy(backends) {
  let next = 0;
  const server = http.createServer((req, res) => {
    const port = backends[next++ % backends.length].address().port;
    const upstream = http.request({ host: "127.0.0.1", port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

async function trial(label, stores) {
  const instances = [await startInstance("a", stores[0]), await startInstance("b", stores[1])];
  const proxy = await startProxy(instances);
  const base = `http://127.0.0.1:${proxy.address().port}`;
  const { sid } = await (await fetch(`${base}/login`, { method: "POST" })).json();
  let lost = 0;
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${base}/me`, { headers: { "x-session": sid } });
    await res.arrayBuffer();
    if (res.status === 401) lost++;
  }
  console.log(`${label} ${lost} of 10 requests after login got 401`);
  rows.push({ x: label.replace(/^sessions in |:\s*$/g, ""), y: lost });
  for (const server of [proxy, ...instances]) {
    server.closeAllConnections();
    server.close();
  }
}

const rows = [];
await trial("sessions in each process's memory:", [new Map(), new Map()]);
const shared = new Map();
await trial("sessions in one shared store:     ", [shared, shared]);
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Requests that lost the session, of 10", summary: `Behind round robin: ${rows[0].y} of 10 requests got 401 with sessions in memory, ${rows[1].y} with a shared store.`, x: { title: "where sessions live" }, y: { title: "requests answered 401", unit: "of 10" }, rows })}`);
