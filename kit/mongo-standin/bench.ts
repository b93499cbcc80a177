// The stand-in's own bench: insertMany N small documents, then walk them with a cursor in batches of
// 100; median of 5 runs for N = 10,000 and 100,000, plus the server's resident memory against the
// BSON size of the data. The server runs as its own process (cli.ts) so its memory is its own.
//
//   node kit/mongo-standin/bench.ts                      # this version, ratio to bench-reference.json
//   node kit/mongo-standin/bench.ts --against DIR        # also measure the stand-in in DIR/kit/mongo-standin
//                                                        # in the same run, interleaved (fair on a loaded machine)
//   node kit/mongo-standin/bench.ts --record FILE.json   # write this run's figures as a reference
//   MONGO_URL=mongodb://... node kit/mongo-standin/bench.ts   # time a real server (no memory figure)
import type { ChildProcess } from 'node:child_process';
import { spawnTied } from '../lifecycle.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BSON } from 'bson';
import { MongoClient } from 'mongodb';

const RUNS = 5;
const SIZES = [10_000, 100_000];
const BATCH = 100;
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REFERENCE = `${HERE}bench-reference.json`;

interface Figures { version: string; medians: Record<string, number>; rssMiB: Record<string, number>; bsonMiB: Record<string, number> }
interface Server { label: string; client: MongoClient; cli?: string; child?: ChildProcess; idleRssMiB?: number; figures: Figures; timings: Record<string, number[]>; cpu: Record<string, number[]> }

const { values: flags } = parseArgs({ options: { against: { type: 'string' }, record: { type: 'string' } } });

function rssMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined; // not Linux: the memory figure is left out
  }
}

/**
 * CPU time the server process has used, in ms. Wall-clock time on a shared machine mostly measures
 * the other tenants; the server's own CPU time barely moves with them.
 */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return undefined;
  }
}

async function launch(label: string, cli: string): Promise<Server> {
  const child = spawnTied(process.execPath, [cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d; if (out.includes('\n')) resolve(out.split('\n')[0]!); });
    child.once('exit', (code) => reject(new Error(`${label}: exited with ${code} before printing its URI`)));
  }).finally(() => child.removeAllListeners('exit'));
  await new Promise((resolve) => setTimeout(resolve, 200)); // let start-up garbage settle before the idle reading
  const idle = rssMiB(child.pid!);
  const client = await new MongoClient(uri).connect();
  return { label, client, cli, child, idleRssMiB: idle, figures: { version: label, medians: {}, rssMiB: {}, bsonMiB: {} }, timings: {}, cpu: {} };
}

function makeDocs(n: number) {
  const start = Date.UTC(2026, 0, 1);
  return Array.from({ length: n }, (_, i) => ({ seq: i, name: `user-${i}`, email: `user-${i}@example.test`, createdAt: new Date(start + i * 1000) }));
}

async function oneRun(server: Server, n: number): Promise<number> {
  const coll = server.client.db('standin_bench').collection('docs');
  await coll.drop().catch(() => {});
  const docs = makeDocs(n);
  const cpuBefore = cpuMs(server.child?.pid);
  const started = performance.now();
  await coll.insertMany(docs);
  let walked = 0;
  for await (const _doc of coll.find({}, { batchSize: BATCH })) walked++;
  const elapsed = performance.now() - started;
  const cpuAfter = cpuMs(server.child?.pid);
  if (cpuBefore !== undefined && cpuAfter !== undefined) (server.cpu[n] ??= []).push(cpuAfter - cpuBefore);
  if (walked !== n) throw new Error(`${server.label}: walked ${walked} documents, expected ${n}`);
  // The driver added each _id to the documents it sent, so this is the stored data's BSON size.
  server.figures.bsonMiB[n] = docs.reduce((sum, d) => sum + BSON.calculateObjectSize(d), 0) / 1048576;
  return elapsed;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number | undefined, digits = 0) => (x === undefined ? 'n/a' : x.toFixed(digits));

const servers: Server[] = [];
if (process.env.MONGO_URL) {
  servers.push({ label: 'MONGO_URL', client: await new MongoClient(process.env.MONGO_URL).connect(), figures: { version: 'MONGO_URL', medians: {}, rssMiB: {}, bsonMiB: {} }, timings: {}, cpu: {} });
} else {
  servers.push(await launch('this version', `${HERE}cli.ts`));
  if (flags.against) servers.push(await launch(`earlier (${flags.against})`, `${flags.against}/kit/mongo-standin/cli.ts`));
}

/** Memory on a fresh server: one insertMany of n documents and a full walk, then its resident set. */
async function memory(server: Server, cli: string, n: number): Promise<void> {
  const fresh = await launch(server.label, cli);
  try {
    await oneRun(fresh, n);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rss = rssMiB(fresh.child!.pid!);
    if (rss !== undefined) server.figures.rssMiB[n] = rss;
    server.idleRssMiB = fresh.idleRssMiB;
    server.figures.bsonMiB[n] = fresh.figures.bsonMiB[n]!;
  } finally {
    await fresh.client.close();
    fresh.child!.kill('SIGTERM');
  }
}

try {
  for (const n of SIZES) {
    for (let run = 0; run < RUNS; run++) {
      // Interleave the servers run by run so that a burst of load elsewhere hits both alike.
      for (const server of servers) (server.timings[n] ??= []).push(await oneRun(server, n));
    }
    for (const server of servers) {
      server.figures.medians[n] = median(server.timings[n]!);
      if (server.cli) await memory(server, server.cli, n);
      const cpu = server.cpu[n] ? `; server CPU median ${fmt(median(server.cpu[n]))} ms` : '';
      console.log(`${server.label}: ${n} docs: runs ${server.timings[n]!.map((t) => t.toFixed(0)).join(', ')} ms; median ${fmt(server.figures.medians[n])} ms${cpu}; `
        + `fresh server RSS ${fmt(server.figures.rssMiB[n], 1)} MiB (idle ${fmt(server.idleRssMiB, 1)} MiB) for ${fmt(server.figures.bsonMiB[n], 1)} MiB of BSON`);
    }
  }
} finally {
  for (const server of servers) {
    await server.client.db('standin_bench').dropDatabase().catch(() => {});
    await server.client.close();
    server.child?.kill('SIGTERM');
  }
}

console.log(`\nmedian of ${RUNS}, insertMany(N) + cursor walk in batches of ${BATCH}`);
let reference: Figures | undefined;
try {
  reference = JSON.parse(readFileSync(REFERENCE, 'utf8')) as Figures;
} catch {
  console.log(`(no ${REFERENCE}: no recorded reference to compare with)`);
}
const current = servers[0]!;
for (const n of SIZES) {
  const f = current.figures;
  const rss = f.rssMiB[n];
  const growth = rss !== undefined && current.idleRssMiB !== undefined ? rss - current.idleRssMiB : undefined;
  const line = [`N=${n}: ${fmt(f.medians[n])} ms`];
  // A speed-up above 1 means this version is faster.
  if (reference) line.push(`speed-up ${fmt(reference.medians[n]! / f.medians[n]!, 2)} over the recorded ${reference.version} (${fmt(reference.medians[n])} ms)`);
  for (const other of servers.slice(1)) {
    const cpu = current.cpu[n] && other.cpu[n] ? `, server CPU ${fmt(median(other.cpu[n]) / median(current.cpu[n]), 2)}` : '';
    line.push(`speed-up ${fmt(other.figures.medians[n]! / f.medians[n]!, 2)}${cpu} over ${other.label} in this run (${fmt(other.figures.medians[n])} ms)`);
  }
  if (rss !== undefined) {
    line.push(`RSS ${fmt(rss, 1)} MiB = ${fmt(rss / f.bsonMiB[n]!, 1)}x BSON (${fmt(growth, 1)} MiB above idle = ${fmt(growth! / f.bsonMiB[n]!, 1)}x; recorded ${fmt(reference?.rssMiB[n], 1)} MiB)`);
  }
  console.log(line.join('; '));
}
if (flags.record) {
  const which = servers.at(-1)!.figures; // with --against, record the earlier version
  writeFileSync(flags.record, `${JSON.stringify({ ...which, idleRssMiB: servers.at(-1)!.idleRssMiB, recordedAt: new Date().toISOString() }, null, 2)}\n`);
  console.log(`recorded ${which.version} to ${flags.record}`);
}
