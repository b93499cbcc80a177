// lesson: uploads
// claim: An API that buffers a 200 MiB upload before passing it on to storage holds twice the file in memory; the same API piping the request into the storage request holds under 1 MiB at a time.
import { fork } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";

// Two processes. This one plays the client and a stand-in for object storage: an HTTP server on
// 127.0.0.1 that counts the bytes it receives and keeps none. The API under test runs in a child
// process of its own, once per variant, so the memory figures are the API's alone.
const MiB = 1024 * 1024;
const UPLOAD_BYTES = 200 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, "x"); // one chunk sent again and again: the client holds no 200 MiB

if (process.argv[2] === "api") {
  // ---- the API instance (child process) ----
  const [, , , variant, storagePort] = process.argv;
  let inArray = 0; // bytes the buffered handler has collected so far
  let current; // the request in progress and the request to storage
  const server = http.createServer(async (req, res) => {
    const upstream = http.request({ host: "127.0.0.1", port: Number(storagePort), method: "PUT", path: "/bucket/upload.bin", headers: { "content-length": req.headers["content-length"] } });
    current = { req, upstream };
    const answered = once(upstream, "response");
    if (variant === "buffered") {
      const chunks = [];
      for await (const chunk of req) {
        chunks.push(chunk);
        inArray += chunk.length;
      }
      upstream.end(Buffer.concat(chunks)); // the whole file, queued on the socket to storage
    } else {
      await pipeline(req, upstream); // chunk by chunk: reading pauses while storage is behind
    }
    const [stored] = await answered;
    res.writeHead(stored.statusCode ?? 502).end();
    stored.resume();
  });
  server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port, idleRss: process.memoryUsage.rss() }));
  // "Held": bytes the handler keeps reachable at one moment, in its array and in both streams' queues.
  let held = 0;
  const sampler = setInterval(() => {
    if (current) held = Math.max(held, inArray + current.req.readableLength + current.upstream.writableLength);
  }, 5);
  process.on("message", () => {
    clearInterval(sampler);
    // maxRSS: the kernel's high-water mark of the memory the process occupied, in KiB; no sampling gap.
    process.send({ held, peakRss: process.resourceUsage().maxRSS * 1024 }, () => process.exit(0));
  });
} else {
  // ---- the client and the storage stand-in (this process) ----
  let stored = 0;
  const storage = http.createServer(async (req, res) => {
    stored = 0;
    for await (const chunk of req) stored += chunk.length;
    res.writeHead(201).end();
  });
  storage.listen(0, "127.0.0.1");
  await once(storage, "listening");

  const mib = (n) => (n < 10 * MiB ? (n / MiB).toFixed(2) : String(Math.round(n / MiB))).padStart(6);
  async function upload(variant) {
    const api = fork(fileURLToPath(import.meta.url), ["api", variant, String(storage.address().port)]);
    const [{ port, idleRss }] = await once(api, "message");
    const started = performance.now();
    const body = Readable.from((function* () { for (let sent = 0; sent < UPLOAD_BYTES; sent += CHUNK.length) yield CHUNK; })());
    const request = http.request({ host: "127.0.0.1", port, method: "PUT", path: "/upload", headers: { "content-length": UPLOAD_BYTES } });
    const answered = once(request, "response");
    await pipeline(body, request);
    const [response] = await answered;
    response.resume();
    const seconds = (performance.now() - started) / 1000;
    api.send("report");
    const [{ held, peakRss }] = await once(api, "message");
    await once(api, "exit");
    if (response.statusCode !== 201 || stored !== UPLOAD_BYTES) throw new Error(`${variant}: storage received ${stored} bytes, the API answered ${response.statusCode}`);
    console.log(`${variant}  ${mib(idleRss)} MiB  ${mib(peakRss)} MiB  ${mib(held)} MiB  ${seconds.toFixed(1).padStart(4)} s`);
    const round = (n) => (n < 10 * MiB ? Math.round((n / MiB) * 100) / 100 : Math.round(n / MiB)); // as printed above
    rows.push({ x: "idle RSS", y: round(idleRss), series: variant }, { x: "peak RSS", y: round(peakRss), series: variant }, { x: "held by the handler", y: round(held), series: variant });
  }

  console.log(`one ${UPLOAD_BYTES / MiB} MiB upload through an API process to a storage stand-in on 127.0.0.1`);
  console.log(`${"".padEnd(8)}  ${"idle RSS".padStart(10)}  ${"peak RSS".padStart(10)}  ${"held".padStart(10)}  ${"time".padStart(6)}`);
  const rows = [];
  await upload("buffered");
  await upload("streamed");
  console.log("peak RSS: the kernel's high-water mark for the API process (maxRSS)");
  console.log("held: bytes the handler kept reachable (array + stream queues), sampled every 5 ms");
  // The numbers once more, as data for the chart the lesson shows (the build strips this line).
  const peak = (variant) => Math.round(rows.find((r) => r.x === "peak RSS" && r.series === variant).y);
  console.log(`chart: ${JSON.stringify({ kind: "bar", label: "API process memory: buffered against streamed upload", summary: `Peak RSS ${peak("buffered")} MiB buffered, ${peak("streamed")} MiB streamed.`, x: { title: "memory" }, y: { title: "memory", unit: "MiB" }, rows })}`);
  storage.close();
}
