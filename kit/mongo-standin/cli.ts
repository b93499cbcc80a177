// Runs the stand-in as its own process:
//   node kit/mongo-standin/cli.ts --port 27117 [--replset rs0 --lag 300] [--host 127.0.0.1]
// Prints the connection string; SIGINT/SIGTERM shut it down cleanly. Exit codes: 1 = could not
// start (e.g. port in use), 2 = invalid flags.
import { parseArgs } from 'node:util';
import { startMongoStandin, type MongoStandinOptions } from './index.ts';

const USAGE = 'usage: node kit/mongo-standin/cli.ts [--port 27017] [--host 127.0.0.1] [--replset rs0] [--lag 300]';

function fail(code: number, message: string): never {
  process.stderr.write(`mongo-standin: ${message}\n`);
  process.exit(code);
}

function integer(flag: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > max) fail(2, `--${flag} must be a whole number from 0 to ${max}, got "${raw}"\n${USAGE}`);
  return Number(raw);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      port: { type: 'string' }, host: { type: 'string' }, replset: { type: 'string' }, lag: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (err) {
  fail(2, `${(err as Error).message}\n${USAGE}`);
}
if (parsed.help) {
  process.stdout.write(`${USAGE}\nAn in-memory MongoDB stand-in for the workbook's labs (see kit/mongo-standin/README.md).\n`);
  process.exit(0);
}
if (parsed.lag !== undefined && parsed.replset === undefined) fail(2, `--lag only applies with --replset\n${USAGE}`);
if (parsed.replset !== undefined && !/^[A-Za-z0-9_-]+$/.test(parsed.replset)) fail(2, `--replset needs a name such as rs0, got "${parsed.replset}"`);

const replicated = parsed.replset !== undefined;
const port = integer('port', parsed.port, 27017, replicated ? 65533 : 65535);
const host = parsed.host ?? '127.0.0.1';
const options: MongoStandinOptions = { host, port };
if (replicated) options.replicaSet = { name: parsed.replset!, lagMs: integer('lag', parsed.lag, 300, 600_000) };

let standin;
try {
  standin = await startMongoStandin(options);
} catch (err) {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e.code === 'EADDRINUSE') {
    const taken = e.port ?? port;
    const which = replicated ? `port ${taken} (one of ${port}-${port + 2} for the three members) is` : `port ${taken} is`;
    fail(1, `${which} already in use on ${host} (is a MongoDB or another stand-in running?). Stop it or choose another port with --port.`);
  }
  fail(1, `could not start: ${e.message}`);
}

const what = replicated ? `replica set "${parsed.replset}" (replication lag ${options.replicaSet!.lagMs} ms)` : 'single server';
process.stderr.write(`mongo-standin: ${what} on ${standin.hosts.join(', ')}; data lives in memory only. Ctrl+C stops it.\n`);
process.stdout.write(`${standin.uri}\n`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  await standin.close();
  process.stderr.write(`mongo-standin: stopped (${signal})\n`);
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
