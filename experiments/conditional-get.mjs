// lesson: http-caching
// claim: With an ETag, a client that revalidates an unchanged resource gets 304 Not Modified with an empty body: nine of ten responses are headers only, so what the client receives, headers included, falls to about a tenth.
import express from "express";
import { once } from "node:events";
import http from "node:http";

// A list of 200 products, about 20 kB of JSON. Express adds a weak ETag (a hash of the body) to
// every response and answers 304 when the request's If-None-Match matches it.
const products = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, name: `Product ${i + 1}`, price: 100 + ((i * 37) % 900), description: "A sturdy, well-reviewed thing you will want." }));
const app = express();
app.get("/products", (req, res) => {
  res.set("cache-control", "no-cache"); // may be stored, but must be revalidated before each use
  res.json(products);
});
const server = app.listen(0, "127.0.0.1");
await once(server, "listening");
const url = `http://127.0.0.1:${server.address().port}/products`;

// Counts what the client receives: the body bytes, and the status line and headers as they came
// over the wire (reconstructed from the raw header list node:http keeps).
async function tenRequests(revalidate) {
  let body = 0;
  let head = 0;
  let etag;
  const statuses = new Map();
  for (let i = 0; i < 10; i++) {
    // node:http rather than fetch: fetch adds Cache-Control: no-cache to conditional requests.
    const res = await new Promise((resolve) => http.get(url, { headers: revalidate && etag ? { "if-none-match": etag } : {} }, resolve));
    for await (const chunk of res) body += chunk.length;
    head += `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
    for (let h = 0; h < res.rawHeaders.length; h += 2) head += `${res.rawHeaders[h]}: ${res.rawHeaders[h + 1]}\r\n`.length;
    etag = res.headers.etag ?? etag;
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  }
  return { body, head, statuses: [...statuses].map(([s, n]) => `${n}x ${s}`).join(", ") };
}

const plain = await tenRequests(false);
const conditional = await tenRequests(true);
const kB = (n) => `${(n / 1000).toFixed(1)} kB`;
console.log(`one full response: ${kB(plain.body / 10)} of JSON body`);
console.log(`10 requests, no validator sent:  ${plain.statuses.padEnd(14)} body ${kB(plain.body).padStart(8)}, headers ${kB(plain.head).padStart(7)}`);
console.log(`10 requests with If-None-Match:  ${conditional.statuses.padEnd(14)} body ${kB(conditional.body).padStart(8)}, headers ${kB(conditional.head).padStart(7)}`);
console.log(`bytes received (body + headers): ${kB(conditional.body + conditional.head)} instead of ${kB(plain.body + plain.head)}, ${Math.round((100 * (conditional.body + conditional.head)) / (plain.body + plain.head))} %`);
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
const rows = [
  { x: "no validator", y: Math.round((plain.body + plain.head) / 100) / 10 },
  { x: "If-None-Match", y: Math.round((conditional.body + conditional.head) / 100) / 10 },
];
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Bytes received for 10 requests, body and headers", summary: `10 requests: ${rows[0].y} kB without a validator, ${rows[1].y} kB with If-None-Match.`, x: { title: "request" }, y: { title: "received", unit: "kB" }, rows })}`);
server.closeAllConnections();
server.close();
