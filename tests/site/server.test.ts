import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { request, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { listLabs } from "../../kit/labs.ts";
import { stepsOfLab } from "../../kit/runner/steps.ts";
import { buildReason } from "../../site/server/freshness.ts";
import { createSiteServer, listen } from "../../site/server/serve.ts";
import { distDir, ensureBuilt, repoRoot } from "./helpers/build.ts";

let server: Server;
let base = "";
let port = 0;
let progressRoot = "";
let progressFile = "";

before(async () => {
  await ensureBuilt();
  progressRoot = await mkdtemp(path.join(os.tmpdir(), "wb-server-"));
  progressFile = path.join(progressRoot, ".workbook", "progress.json");
  server = createSiteServer({ distDir, labsRoot: repoRoot, progressRoot });
  port = await listen(server, 0, "127.0.0.1");
  base = `http://127.0.0.1:${port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(progressRoot, { recursive: true, force: true });
});

test("GET /api/progress lists every lab, not started when there is no progress file", async () => {
  const response = await fetch(`${base}/api/progress`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cache-control"), "no-store");
  const body = (await response.json()) as { labs: Record<string, { state: string }> };
  const labs = await listLabs(repoRoot);
  assert.deepEqual(Object.keys(body.labs), labs.map((l) => l.id));
  for (const state of Object.values(body.labs)) assert.deepEqual(state, { state: "not-started", hintsShown: [], setAside: null });
});

test("GET /api/progress reports failing N of M and passing from the kit's progress file", async () => {
  const [lab] = await listLabs(repoRoot);
  await mkdir(path.join(progressRoot, ".workbook"), { recursive: true });
  const entry = { lastRun: "2026-01-01T00:00:00.000Z", passed: 2, failed: 1, total: 3, hintsShown: 0, firstPassedAt: null };
  await writeFile(progressFile, JSON.stringify({ version: 1, labs: { [lab!.id]: entry } }));
  let body = (await (await fetch(`${base}/api/progress`)).json()) as { labs: Record<string, unknown> };
  assert.deepEqual(body.labs[lab!.id], { state: "failing", passed: 2, total: 3, hintsShown: [0], setAside: null });
  await writeFile(progressFile, JSON.stringify({ version: 1, labs: { [lab!.id]: { ...entry, passed: 3, failed: 0 } } }));
  body = (await (await fetch(`${base}/api/progress`)).json()) as { labs: Record<string, unknown> };
  assert.deepEqual(body.labs[lab!.id], { state: "passing", passed: 3, total: 3, hintsShown: [0], setAside: null });
  await writeFile(progressFile, JSON.stringify({ version: 1, labs: { [lab!.id]: { ...entry, passed: 3, failed: 0, resetAt: "2026-01-02T00:00:00.000Z" } } }));
  body = (await (await fetch(`${base}/api/progress`)).json()) as { labs: Record<string, unknown> };
  assert.deepEqual(body.labs[lab!.id], { state: "reset", at: "2026-01-02T00:00:00.000Z", hintsShown: [0], setAside: null }, "after lab reset, not passing");
});

test("GET /api/progress: a damaged lab entry costs only that lab, and the response says where it went", async () => {
  const [first, second] = await listLabs(repoRoot);
  const good = { lastRun: "2026-01-01T00:00:00.000Z", passed: 3, failed: 0, total: 3, hintsShown: [1], firstPassedAt: null };
  await writeFile(progressFile, JSON.stringify({ version: 1, labs: { [first!.id]: good, [second!.id]: { ...good, total: "three" } } }));
  const body = (await (await fetch(`${base}/api/progress`)).json()) as { labs: Record<string, { state: string; setAside: string | null }> };
  assert.equal(body.labs[first!.id]!.state, "passing");
  assert.equal(body.labs[first!.id]!.setAside, null);
  assert.equal(body.labs[second!.id]!.state, "not-started");
  assert.match(body.labs[second!.id]!.setAside ?? "", /^\.workbook\/progress\.json\.broken-/);
  const kept = (await readdir(path.join(progressRoot, ".workbook"))).filter((f) => f.startsWith("progress.json.broken-"));
  assert.equal(kept.length, 1, "the damaged entry is kept aside, not deleted");
  await rm(path.join(progressRoot, ".workbook", kept[0]!));
});

interface Sent {
  status: number;
  body: string;
}

/** A raw request, so every header (Host included) is exactly what a forger could send. */
function send(method: string, url: string, headers: Record<string, string>, body = ""): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${url}`, { method, headers: { "content-length": String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const sameSite = () => ({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, "content-type": "application/json" });

test("POST /api/progress/hints records rungs revealed on the site in the kit's file, only ever growing", async () => {
  const [lab] = await listLabs(repoRoot);
  const rungs = (stepsOfLab(lab!)).map((step) => step.hints.length);
  await rm(progressFile, { force: true });
  const first = await send("POST", "/api/progress/hints", sameSite(), JSON.stringify({ lab: lab!.id, hintsShown: [1] }));
  assert.equal(first.status, 200, first.body);
  assert.deepEqual(JSON.parse(await readFile(progressFile, "utf8")).labs[lab!.id].hintsShown, [1]);
  const viaLocalhost = await send("POST", "/api/progress/hints", { ...sameSite(), host: `localhost:${port}`, origin: `http://localhost:${port}` }, JSON.stringify({ lab: lab!.id, hintsShown: [2] }));
  assert.equal(viaLocalhost.status, 200, "the address npm start prints, http://localhost:<port>, works too");
  const lower = await send("POST", "/api/progress/hints", sameSite(), JSON.stringify({ lab: lab!.id, hintsShown: [1] }));
  assert.deepEqual(JSON.parse(lower.body).hintsShown, [2], "a reveal is never taken back");
  const tooMany = await send("POST", "/api/progress/hints", sameSite(), JSON.stringify({ lab: lab!.id, hintsShown: rungs.map(() => 40).concat([9]) }));
  assert.deepEqual(JSON.parse(tooMany.body).hintsShown, rungs, "counts are capped at each step's rungs");
  const body = (await (await fetch(`${base}/api/progress`)).json()) as { labs: Record<string, { hintsShown: number[] }> };
  assert.deepEqual(body.labs[lab!.id]!.hintsShown, rungs, "GET reads back what was written");
});

test("POST /api/progress/hints refuses every forged variant with 403 or 400, and the file stays byte for byte", async () => {
  const [lab] = await listLabs(repoRoot);
  await writeFile(progressFile, JSON.stringify({ version: 1, labs: {} }));
  const before = await readFile(progressFile, "utf8");
  const valid = JSON.stringify({ lab: lab!.id, hintsShown: [1] });
  const { origin: _origin, ...noOrigin } = sameSite();
  const forged: [string, Record<string, string>, string, 400 | 403][] = [
    ["a foreign Origin (a cross-site fetch or form)", { ...sameSite(), origin: "http://evil.example" }, valid, 403],
    ["a foreign Origin on the same host, another port", { ...sameSite(), origin: `http://127.0.0.1:${port + 1}` }, valid, 403],
    ["no Origin at all", noOrigin, valid, 403],
    ["the literal Origin null (a sandboxed frame)", { ...sameSite(), origin: "null" }, valid, 403],
    ["a DNS-rebinding Host with its own matching Origin", { ...sameSite(), host: `evil.example:${port}`, origin: `http://evil.example:${port}` }, valid, 403],
    ["the loopback address on another port", { ...sameSite(), host: `127.0.0.1:${port + 1}`, origin: `http://127.0.0.1:${port + 1}` }, valid, 403],
    ["a form's text/plain body", { ...sameSite(), "content-type": "text/plain" }, valid, 400],
    ["an oversized body", sameSite(), JSON.stringify({ lab: lab!.id, hintsShown: [1], pad: "x".repeat(5000) }), 400],
    ["invalid JSON", sameSite(), "{ lab: 01", 400],
    ["a body the schema rejects (negative count)", sameSite(), JSON.stringify({ lab: lab!.id, hintsShown: [-1] }), 400],
    ["a body the schema rejects (extra field)", sameSite(), JSON.stringify({ lab: lab!.id, hintsShown: [1], passed: 99 }), 400],
    ["a body the schema rejects (a path for a lab)", sameSite(), JSON.stringify({ lab: "../../etc", hintsShown: [1] }), 400],
    ["a lab that does not exist", sameSite(), JSON.stringify({ lab: "99-nothing", hintsShown: [1] }), 400],
  ];
  for (const [what, headers, body, status] of forged) {
    const answer = await send("POST", "/api/progress/hints", headers, body);
    assert.equal(answer.status, status, `${what}: expected ${status}, got ${answer.status} ${answer.body}`);
    assert.ok(JSON.parse(answer.body).error, `${what}: the refusal says why`);
    assert.equal(await readFile(progressFile, "utf8"), before, `${what}: the progress file is unchanged`);
  }
  // A body that grows past the bound without announcing its length (chunked).
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = request(`${base}/api/progress/hints`, { method: "POST", headers: sameSite() }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.write(`{"lab":"${lab!.id}","hintsShown":[1],"pad":"`);
    req.end(`${"y".repeat(8000)}"}`);
  });
  assert.equal(chunked, 400, "a chunked body past the bound is refused");
  assert.equal(await readFile(progressFile, "utf8"), before, "and the file is unchanged");
});

test("a lab folder with a broken manifest leaves the other labs' progress readable and writable", async () => {
  const [lab] = await listLabs(repoRoot);
  const labsRoot = await mkdtemp(path.join(os.tmpdir(), "wb-labs-"));
  await mkdir(path.join(labsRoot, "labs", lab!.id), { recursive: true });
  await writeFile(path.join(labsRoot, "labs", lab!.id, "lab.json"), await readFile(path.join(lab!.dir, "lab.json")));
  await mkdir(path.join(labsRoot, "labs", "09-half-written"), { recursive: true }); // no lab.json yet
  const other = createSiteServer({ distDir, labsRoot, progressRoot: labsRoot });
  const otherPort = await listen(other, 0, "127.0.0.1");
  try {
    const body = (await (await fetch(`http://127.0.0.1:${otherPort}/api/progress`)).json()) as { labs: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.labs), [lab!.id]);
    const origin = `http://127.0.0.1:${otherPort}`;
    const write = await fetch(`${origin}/api/progress/hints`, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify({ lab: lab!.id, hintsShown: [1] }) });
    assert.equal(write.status, 200);
  } finally {
    other.closeAllConnections();
    await new Promise((resolve) => other.close(resolve));
    await rm(labsRoot, { recursive: true, force: true });
  }
});

test("other methods and paths under /api/ get JSON errors; pages carry the progress cookie", async () => {
  const post = await fetch(`${base}/api/progress`, { method: "POST" });
  assert.equal((await fetch(`${base}/api/progress/hints`)).status, 405, "hints are written with POST only");
  assert.equal(post.status, 405);
  assert.match(((await post.json()) as { error: string }).error, /GET/);
  const unknown = await fetch(`${base}/api/nothing`);
  assert.equal(unknown.status, 404);
  assert.ok(((await unknown.json()) as { error: string }).error);
  const home = await fetch(`${base}/`);
  assert.match(home.headers.get("set-cookie") ?? "", /workbook-progress=1/);
  const missing = await fetch(`${base}/no/such/page/`);
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /<html/);
});

test("the site is rebuilt only when a source is newer than the build", async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), "wb-fresh-"));
  const dist = path.join(root, "site", "dist");
  assert.equal(await buildReason(root, dist), "no build yet");
  await mkdir(path.join(root, "site", "src"), { recursive: true });
  await writeFile(path.join(root, "site", "src", "page.mdx"), "old");
  await mkdir(dist, { recursive: true });
  await writeFile(path.join(dist, "index.html"), "built");
  const past = new Date(Date.now() - 60_000);
  await utimes(path.join(root, "site", "src", "page.mdx"), past, past);
  await utimes(path.join(root, "site", "src"), past, past);
  assert.equal(await buildReason(root, dist), undefined);
  await writeFile(path.join(root, "site", "src", "page.mdx"), "new");
  assert.match((await buildReason(root, dist)) ?? "", /site\/src/);
  await rm(root, { recursive: true, force: true });
});

/** A saved history of lab 02 with two runs, as `lab bench` writes it. */
function benchHistoryFixture(lab: string) {
  const figures = (queries: number, ms: number) => [
    { name: "MongoDB queries per 1,000 reads", unit: "queries", better: "lower", headline: true, reference: false, median: queries, samples: [queries] },
    { name: "p50 read latency", unit: "ms", better: "lower", headline: false, reference: false, median: ms, samples: [ms] },
    { name: "p95 read latency", unit: "ms", better: "lower", headline: false, reference: false, median: ms * 2, samples: [ms * 2] },
  ];
  const run = (at: string, yours: number) => ({
    at,
    runs: 1,
    code: { hash: `sha256:${"b".repeat(64)}`, commit: null },
    variants: [
      { variant: "starter", figures: figures(1000, 27) },
      { variant: "yours", figures: figures(yours, 1) },
    ],
  });
  return { version: 1, lab, runs: [run("2026-02-01T09:00:00.000Z", 500), run("2026-02-02T09:00:00.000Z", 20)] };
}

test("GET /api/bench/<lab>: 404 JSON without a saved run; the saved runs as charts with their text alternative", async () => {
  const lab = "02-cache-aside";
  const benchFile = path.join(progressRoot, ".workbook", "bench", `${lab}.json`);
  await rm(benchFile, { force: true });
  let response = await fetch(`${base}/api/bench/${lab}`);
  assert.equal(response.status, 404);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  let body = (await response.json()) as { runs: number; error: string; html?: string };
  assert.equal(body.runs, 0);
  assert.match(body.error, /No bench run of lab 02-cache-aside .*npm run lab -- bench 02/);
  assert.equal(body.html, undefined);

  assert.equal((await fetch(`${base}/api/bench/99-nothing`)).status, 404, "an unknown lab");
  assert.equal((await fetch(`${base}/api/bench/..%2F..%2Fetc`)).status, 404, "never a path");

  await mkdir(path.dirname(benchFile), { recursive: true });
  assert.ok(!((await (await fetch(`${base}/api/progress`)).json()) as { benched: string[] }).benched.includes(lab), "a lab never benched is not asked for charts");
  await writeFile(benchFile, JSON.stringify(benchHistoryFixture(lab)));
  assert.ok(((await (await fetch(`${base}/api/progress`)).json()) as { benched: string[] }).benched.includes(lab), "the progress says which labs have a history");
  response = await fetch(`${base}/api/bench/${lab}`);
  assert.equal(response.status, 200);
  body = (await response.json()) as { runs: number; error: string; html?: string };
  assert.equal(body.runs, 2);
  const html = body.html ?? "";
  assert.equal((html.match(/<figure class="wb-chart"/g) ?? []).length, 3, "queries, the latency percentiles together, and the history");
  assert.match(html, /<figcaption id="bench-02-mongodb-queries-per-1-000-reads-summary">MongoDB queries per 1,000 reads: starter 1,000 queries, yours 20 queries \(lower is better\)\.<\/figcaption>/);
  assert.match(html, /<figcaption id="bench-02-read-latency-summary">Read latency: p50: starter 27 ms, yours 1 ms; p95: starter 54 ms, yours 2 ms/);
  assert.match(html, /<th scope="row">yours<\/th><td>1 ms<\/td><td>2 ms<\/td>/);
  assert.match(html, /MongoDB queries per 1,000 reads, yours: 500 queries at run 1, 20 queries at run 2/);
  assert.match(html, /<a href="\/labs\/02-cache-aside\/bench\/">our figures<\/a>/, "with a link to ours");
});

test("GET /api/bench/<lab>: a damaged history is kept aside and the fragment says where", async () => {
  const lab = "01-statelessness";
  const dir = path.join(progressRoot, ".workbook", "bench");
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${lab}.json`), "{ not json");
  const response = await fetch(`${base}/api/bench/${lab}`);
  assert.equal(response.status, 404, "no run to chart");
  const body = (await response.json()) as { setAside: string; html: string };
  assert.match(body.setAside, /^\.workbook\/bench\/01-statelessness\.json\.broken-/);
  assert.match(body.html, /damaged.*kept as \.workbook\/bench\/01-statelessness\.json\.broken-/);
  const kept = (await readdir(dir)).filter((f) => f.startsWith(`${lab}.json.broken-`));
  assert.equal(kept.length, 1, "kept, not deleted");
  assert.equal(await readFile(path.join(dir, kept[0]!), "utf8"), "{ not json");
  const page = await (await fetch(`${base}/labs/${lab}/`)).text();
  assert.match(page, /<div data-bench>/, "the lab page has the placeholder");
});
