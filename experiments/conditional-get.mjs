// lesson: http-caching
// claim: With an ETag, a client that revalidates gets 304 Not Modified with an empty body, so repeat requests for an unchanged resource cost a few hundred bytes instead of the whole representation.
import express from "express";
import { once } from "node:events";
import http from "node:http";

// A product list of about 30 kB. Express adds a weak ETag (a hash of the body) to every response
// and answers 304 when the request's If-None-Match matches it.
const products = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, name: `Product ${i + 1}`, price: 100 + ((i * 37) % 900), description: "A sturdy, well-reviewed thing you will want." }));
const app = express();
app.get("/products", (req, res) => {
  res.set("cache-control", "no-cache"); // may be stored, but must be revalidated before each use
  res.json(products);
});
const server = app.listen(0, "127.0.0.1");
await once(server, "listening");
const url = `http://127.0.0.1:${server.address().port}/products`;

async function tenRequests(revalidate) {
  let bytes = 0;
  let etag;
  const statuses = new Map();
  for (let i = 0; i < 10; i++) {
    // node:http rather than fetch: fetch adds Cache-Control: no-cache to conditional requests.
    const res = await new Promise((resolve) => http.get(url, { headers: revalidate && etag ? { "if-none-match": etag } : {} }, resolve));
    for await (const chunk of res) bytes += chunk.length;
    etag = res.headers.etag ?? etag;
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  }
  return { bytes, statuses: [...statuses].map(([s, n]) => `${n}x ${s}`).join(", ") };
}

const plain = await tenRequests(false);
const conditional = await tenRequests(true);
console.log(`10 requests, no validator sent:     ${plain.statuses.padEnd(16)} ${plain.bytes.toLocaleString("en").padStart(7)} body bytes`);
console.log(`10 requests with If-None-Match:     ${conditional.statuses.padEnd(16)} ${conditional.bytes.toLocaleString("en").padStart(7)} body bytes`);
server.closeAllConnections();
server.close();
