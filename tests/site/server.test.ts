import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { listLabs } from "../../kit/labs.ts";
import { buildReason } from "../../site/server/freshness.ts";
import { createSiteServer, listen } from "../../site/server/serve.ts";
import { distDir, ensureBuilt, repoRoot } from "./helpers/build.ts";

let server: Server;
let base = "";
let progressRoot = "";

before(async () => {
  await ensureBuilt();
  progressRoot = await mkdtemp(path.join(os.tmpdir(), "wb-server-"));
  server = createSiteServer({ distDir, labsRoot: repoRoot, progressRoot });
  base = `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}`;
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
  for (const state of Object.values(body.labs)) assert.deepEqual(state, { state: "not-started" });
});

test("GET /api/progress reports failing N of M and passing from the kit's progress file", async () => {
  const [lab] = await listLabs(repoRoot);
  await mkdir(path.join(progressRoot, ".workbook"), { recursive: true });
  const entry = { lastRun: "2026-01-01T00:00:00.000Z", passed: 2, failed: 1, total: 3, hintsShown: 0, firstPassedAt: null };
  await writeFile(path.join(progressRoot, ".workbook", "progress.json"), JSON.stringify({ version: 1, labs: { [lab!.id]: entry } }));
  let body = (await (await fetch(`${base}/api/progress`)).json()) as { labs: Record<string, unknown> };
  assert.deepEqual(body.labs[lab!.id], { state: "failing", passed: 2, total: 3 });
  await writeFile(path.join(progressRoot, ".workbook", "progress.json"), JSON.stringify({ version: 1, labs: { [lab!.id]: { ...entry, passed: 3, failed: 0 } } }));
  body = (await (await fetch(`${base}/api/progress`)).json()) as { labs: Record<string, unknown> };
  assert.deepEqual(body.labs[lab!.id], { state: "passing", passed: 3, total: 3 });
});

test("other methods and paths under /api/ get JSON errors; pages carry the progress cookie", async () => {
  const post = await fetch(`${base}/api/progress`, { method: "POST" });
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
