// The command-line launcher: prints a working connection string, stops cleanly on signals,
// and explains itself when the port is taken or the flags are wrong.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawnTied as spawn } from '../../lifecycle.ts';
import net from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { clientOptions } from './harness.ts';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));

function launch(args: string[]): { child: ChildProcess; stderr: () => string; firstLine: Promise<string> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code} before printing: ${err}`)));
  });
  firstLine.catch(() => {});
  return { child, stderr: () => err, firstLine };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('mongo-standin CLI', () => {
  it('prints a connection string the driver can use, and stops on SIGTERM', async () => {
    const { child, stderr, firstLine } = launch(['--port', '0']);
    try {
      const uri = await firstLine;
      assert.match(uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true$/);
      const client = await new MongoClient(uri, clientOptions).connect();
      await client.db('cli').collection('x').insertOne({ ok: true });
      assert.equal(await client.db('cli').collection('x').countDocuments(), 1);
      await client.close();
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exitCode(child), 0);
    assert.match(stderr(), /in memory only/);
    assert.match(stderr(), /stopped \(SIGTERM\)/);
  });

  it('starts a replica set with --replset and stops on SIGINT', async () => {
    const { child, firstLine } = launch(['--port', '0', '--replset', 'rsCli', '--lag', '50']);
    const uri = await firstLine;
    assert.match(uri, /^mongodb:\/\/(127\.0\.0\.1:\d+,){2}127\.0\.0\.1:\d+\/\?replicaSet=rsCli$/);
    try {
      const client = await new MongoClient(uri, clientOptions).connect();
      assert.equal((await client.db('admin').command({ ping: 1 })).ok, 1);
      await client.close();
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exitCode(child), 0);
  });

  it('says which port is taken and exits 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { child, stderr } = launch(['--port', String(port)]);
      assert.equal(await exitCode(child), 1);
      assert.match(stderr(), new RegExp(`port ${port} is already in use.*--port`));
      assert.equal(stderr().trim().split('\n').length, 1, 'a single clear line');
    } finally {
      blocker.close();
    }
  });

  it('rejects invalid flags with exit code 2', async () => {
    for (const args of [['--bogus'], ['--port', 'abc'], ['--port', '70000'], ['--lag', '100']]) {
      const { child, stderr } = launch(args);
      assert.equal(await exitCode(child), 2, `args ${args.join(' ')}`);
      assert.match(stderr(), /^mongo-standin: /);
    }
  });
});
