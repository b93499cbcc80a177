// Runs MongoDB's unified-format CRUD spec tests against the stand-in:
//   npm run mongo:standin:spec -- <specifications>/source/crud/tests/unified [file.json ...] [--replset] [--verbose] [--json out.json]
// Each test runs on one stand-in server, or on the stand-in's replica set when its runOnRequirements
// need one (--replset: on the replica set whenever the requirements allow it). Prints one line per file (pass/fail/refused/skip counts), each failure with its reason, and the totals.
// Exit code 1 when a test fails (a 115 refusal of a feature left out on purpose is not a failure), 2 on bad arguments.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseTestFile, runTestFile, StandinPool, type TestResult } from './unified.ts';

const USAGE = 'usage: npm run mongo:standin:spec -- <dir-or-file.json>... [--replset] [--verbose] [--json results.json]';

const { values, positionals } = (() => {
  try {
    return parseArgs({ options: { replset: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
})();
if (values.help || positionals.length === 0) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}

const files: string[] = [];
for (const arg of positionals) {
  const info = await stat(arg).catch(() => undefined);
  if (!info) {
    process.stderr.write(`mongo:standin:spec: no such file or directory: ${arg}\n${USAGE}\n`);
    process.exit(2);
  }
  if (info.isDirectory()) {
    files.push(...(await readdir(arg)).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(arg, f)));
  } else files.push(arg);
}

const pool = new StandinPool();
const all: TestResult[] = [];
try {
  for (const file of files) {
    const results = await runTestFile(parseTestFile(await readFile(file, 'utf8')), pool, { label: path.basename(file), prefer: values.replset ? 'replicaset' : 'single' });
    all.push(...results);
    const count = (s: TestResult['status']) => results.filter((r) => r.status === s).length;
    process.stdout.write(`${path.basename(file)}: ${count('pass')} pass, ${count('fail')} fail, ${count('refused')} refused, ${count('skip')} skip\n`);
    for (const r of results) {
      if (r.status === 'fail' || (values.verbose && r.reason)) process.stdout.write(`  ${r.status.toUpperCase()} ${r.test}: ${r.reason}\n`);
    }
  }
} finally {
  await pool.close();
}
const total = (s: TestResult['status']) => all.filter((r) => r.status === s).length;
const passingFiles = new Set(all.map((r) => r.file));
for (const r of all) if (r.status === 'fail' || r.status === 'refused') passingFiles.delete(r.file);
process.stdout.write(`\n${files.length} files, ${all.length} tests: ${total('pass')} pass, ${total('fail')} fail, ${total('refused')} refused (115), ${total('skip')} skip; ${passingFiles.size} files with no failure or refusal\n`);
if (values.json) await writeFile(values.json, `${JSON.stringify(all, null, 2)}\n`);
process.exit(total('fail') ? 1 : 0);
