// lesson: websockets
// claim: When an instance holding 10,000 sockets restarts, closing them all at once makes them all come back within the same second; jittered backoff and closes spread over a window cut that peak many times over, while an idle ws socket itself costs only a few kilobytes of server memory.
import { fork } from "node:child_process";
import { once } from "node:events";
import { WebSocket, WebSocketServer } from "ws";

// --- Part 1, simulated (seeded, so every run prints the same): reconnects per second during a restart.
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SOCKETS = 10_000;
const SPREAD_S = 30; // the instance closes its sockets over 30 s instead of in one instant
const JITTER_S = 5; // the client waits a random time in [0, 5 s) before reconnecting (full jitter)

/** The most reconnects that arrive in any one second, at the instances that remain. */
function peakPerSecond({ spread, jitter }) {
  const random = mulberry32(7);
  const perSecond = new Map();
  for (let i = 0; i < SOCKETS; i++) {
    const closedAt = spread ? random() * SPREAD_S : 0;
    const reconnectAt = closedAt + (jitter ? random() * JITTER_S : 0);
    const second = Math.floor(reconnectAt);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  return Math.max(...perSecond.values());
}

// --- Part 2, measured: what idle sockets and a reader that stopped reading cost a server process.
// The server runs in a child process, so its memory holds the server side only.
if (process.argv[2] === "server") {
  const servers = { plain: new WebSocketServer({ host: "127.0.0.1", port: 0 }), deflate: new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true }) };
  await Promise.all(Object.values(servers).map((s) => once(s, "listening")));
  // A 2 kB update, above ws's 1 kB compression threshold, so the deflate server compresses it.
  servers.deflate.on("connection", (ws) => ws.send(JSON.stringify({ score: "2-1", note: "x".repeat(2048) })));
  process.on("message", (msg) => {
    if (msg === "measure") {
      for (let i = 0; i < 3; i++) globalThis.gc();
      const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
      process.send({ rss, heap: heapUsed + external + arrayBuffers });
    } else if (msg === "exit") process.exit(0);
  });
  process.send({ ports: Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, s.address().port])) });
} else {
  const child = fork(process.argv[1], ["server"], { execArgv: ["--expose-gc"] });
  const ask = async (msg) => {
    child.send(msg);
    return (await once(child, "message"))[0];
  };
  const { ports } = (await once(child, "message"))[0];

  async function connect(port, count, waitForMessage) {
    const sockets = [];
    for (let i = 0; i < count; i += 200) {
      const batch = Array.from({ length: Math.min(200, count - i) }, () => new WebSocket(`ws://127.0.0.1:${port}/`));
      await Promise.all(batch.map((ws) => once(ws, waitForMessage ? "message" : "open")));
      sockets.push(...batch);
    }
    return sockets;
  }

  async function perSocket(port, count, waitForMessage) {
    const before = await ask("measure");
    const sockets = await connect(port, count, waitForMessage);
    await new Promise((r) => setTimeout(r, 100));
    const after = await ask("measure");
    for (const ws of sockets) ws.terminate();
    await new Promise((r) => setTimeout(r, 200));
    return { heap: (after.heap - before.heap) / count / 1024, rss: (after.rss - before.rss) / count / 1024 };
  }

  const IDLE = 2_000;
  const DEFLATE = 200;
  const idle = await perSocket(ports.plain, IDLE, false);
  const deflate = await perSocket(ports.deflate, DEFLATE, true);

  // A reader that stopped reading: the server keeps sending, the kernel's buffers fill, then ws buffers in the process.
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  const slow = new WebSocket(`ws://127.0.0.1:${server.address().port}/`);
  const [serverSide] = await once(server, "connection");
  await once(slow, "open");
  slow._socket.pause(); // the client stops reading, like a phone on a bad network
  const update = Buffer.alloc(16 * 1024, 1);
  const SENT_MB = 32;
  for (let i = 0; i < (SENT_MB * 1024) / 16; i++) serverSide.send(update);
  await new Promise((r) => setTimeout(r, 300));
  const buffered = serverSide.bufferedAmount / 1024 / 1024;
  slow.terminate();
  server.close();
  child.send("exit");
  await once(child, "exit");

  const kb = (n) => n.toFixed(1).padStart(5);
  console.log(`${SOCKETS.toLocaleString("en")} sockets on an instance that restarts; reconnects in the busiest second:`);
  const rows = [];
  const row = (label, value) => {
    console.log(`  ${label.padEnd(44)}${String(value).padStart(6)}`);
    rows.push({ x: label, y: value });
  };
  row("all closed at once, reconnect at once", peakPerSecond({ spread: false, jitter: false }));
  row(`all closed at once, full jitter over ${JITTER_S} s`, peakPerSecond({ spread: false, jitter: true }));
  row(`closes spread over ${SPREAD_S} s, reconnect at once`, peakPerSecond({ spread: true, jitter: false }));
  row(`closes spread over ${SPREAD_S} s, plus jitter`, peakPerSecond({ spread: true, jitter: true }));
  console.log(`server memory per ws socket on 127.0.0.1:        JS heap       RSS`);
  console.log(`  idle, no compression (${IDLE} sockets)       ${kb(idle.heap)} kB  ${kb(idle.rss)} kB`);
  console.log(`  permessage-deflate, one 2 kB message (${DEFLATE})  ${kb(deflate.heap)} kB  ${kb(deflate.rss)} kB`);
  console.log(`1 GB holds about ${(Math.round((1024 * 1024) / Math.max(idle.rss, idle.heap) / 1000) * 1000).toLocaleString("en")} idle sockets by that figure, before any app state`);
  console.log(`a client that stopped reading, after ${SENT_MB} MB sent: bufferedAmount ${buffered.toFixed(1)} MB held in the server`);
  // The numbers once more, as data for the chart the lesson shows (the build strips this line).
  console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Reconnects in the busiest second, by how sockets close and retry", summary: `Busiest second: ${rows[0].y} reconnects, ${rows[1].y} with jitter, ${rows[2].y} spread, ${rows[3].y} both.`, x: { title: "restart" }, y: { title: "reconnects in the busiest second" }, rows })}`);
}
