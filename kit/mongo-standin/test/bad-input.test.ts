// Bad input: unknown and unsupported commands get MongoDB-shaped errors; malformed or oversized
// frames close only the connection that sent them, and other clients carry on.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BSON } from 'bson';
import { MongoClient } from 'mongodb';
import { startMongoStandin, type MongoStandin } from '../index.ts';
import { clientOptions, forEachTarget, uniqueName } from './harness.ts';

forEachTarget('errors for unknown commands', (target) => {
  it('answers an unknown command with code 59 CommandNotFound naming the command', async () => {
    await assert.rejects(target().db.command({ frobnicateWidgets: 1 }), (err: { code?: number; codeName?: string; message: string }) => {
      assert.equal(err.code, 59);
      assert.equal(err.codeName, 'CommandNotFound');
      assert.match(err.message, /frobnicateWidgets/);
      if (!target().real) assert.match(err.message, /stand-in does not support/);
      return true;
    });
    assert.equal((await target().db.command({ ping: 1 })).ok, 1, 'the connection keeps working');
  });

  it('rejects a malformed filter with BadValue and keeps serving', async () => {
    const c = target().db.collection(uniqueName('bad'));
    await c.insertOne({ a: 1 });
    await assert.rejects(c.find({ a: { $frobnicate: 1 } }).toArray(), (err: { code?: number }) => err.code === 2);
    assert.equal(await c.countDocuments(), 1);
  });
});

/** One OP_MSG frame with a single body section. */
function opMsg(body: Record<string, unknown>, requestId = 7): Buffer {
  const doc = BSON.serialize(body);
  const head = Buffer.alloc(21);
  head.writeInt32LE(21 + doc.length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(2013, 12);
  return Buffer.concat([head, doc]);
}

/** Sends bytes on a fresh socket; resolves with the first reply document, or null if the server closed the socket. */
function exchange(port: number, bytes: Buffer[]): Promise<{ reply: Record<string, unknown> | null; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('connect', () => bytes.forEach((b) => socket.write(b)));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (all.length >= 4 && all.length >= all.readInt32LE(0)) {
        resolve({ reply: BSON.deserialize(all.subarray(21, all.readInt32LE(0))), socket });
      }
    });
    socket.on('close', () => resolve({ reply: null, socket }));
    socket.on('error', (err) => (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve({ reply: null, socket }) : reject(err));
    socket.setTimeout(10_000, () => reject(new Error('no reply and no close within 10 s')));
  });
}

describe('raw wire input [stand-in only: these probe the framing layer directly]', () => {
  let standin: MongoStandin;
  let client: MongoClient;
  let port: number;
  before(async () => {
    standin = await startMongoStandin();
    port = Number(standin.hosts[0]!.split(':')[1]);
    client = await new MongoClient(standin.uri, clientOptions).connect();
  });
  after(async () => {
    await client.close();
    await standin.close();
  });

  it('answers a well-formed raw OP_MSG', async () => {
    const { reply, socket } = await exchange(port, [opMsg({ ping: 1, $db: 'admin' })]);
    socket.destroy();
    assert.deepEqual(reply, { ok: 1 });
  });

  it('closes the connection on a malformed frame while another client keeps working', async () => {
    const coll = client.db('rawtest').collection('x');
    await coll.insertOne({ before: true });
    const garbage = Buffer.alloc(40, 0xff);
    garbage.writeInt32LE(40, 0);
    garbage.writeInt32LE(2013, 12); // an OP_MSG whose "BSON" is nonsense
    const { reply } = await exchange(port, [garbage]);
    assert.equal(reply, null, 'the server closed the connection without replying');
    const { reply: negative } = await exchange(port, [Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4])]);
    assert.equal(negative, null, 'a negative length closes the connection too');
    await coll.insertOne({ after: true });
    assert.equal(await coll.countDocuments(), 2);
  });

  it('closes the connection when a frame declares more than maxMessageSizeBytes', async () => {
    const head = Buffer.alloc(16);
    head.writeInt32LE(48_000_001, 0);
    head.writeInt32LE(2013, 12);
    const { reply } = await exchange(port, [head]);
    assert.equal(reply, null);
    assert.deepEqual(await client.db('admin').command({ ping: 1 }), { ok: 1 });
  });

  it('refuses a command document over 16 MiB with BSONObjectTooLarge and keeps the connection', async () => {
    const big = opMsg({ insert: 'big', documents: [{ blob: 'x'.repeat(16 * 1024 * 1024 + 32 * 1024) }], $db: 'rawtest' }, 8);
    const { reply, socket } = await exchange(port, [big]);
    assert.equal(reply?.ok, 0);
    assert.equal(reply?.code, 10334);
    const second = await new Promise<Record<string, unknown>>((resolve) => {
      socket.removeAllListeners('data');
      socket.on('data', (chunk: Buffer) => resolve(BSON.deserialize(chunk.subarray(21))));
      socket.write(opMsg({ ping: 1, $db: 'admin' }, 9));
    });
    socket.destroy();
    assert.deepEqual(second, { ok: 1 }, 'the same connection answers the next command');
    assert.equal(await client.db('rawtest').collection('big').countDocuments(), 0);
  });

  it('refuses transactions and change streams with a clear CommandNotSupported error', async () => {
    const coll = client.db('rawtest').collection('tx');
    const session = client.startSession();
    session.startTransaction();
    await assert.rejects(coll.insertOne({ a: 1 }, { session }), (err: { code?: number; message: string }) =>
      err.code === 115 && /transactions/.test(err.message) && /stand-in/.test(err.message));
    await session.abortTransaction().catch(() => {});
    await session.endSession();
    await assert.rejects(coll.watch().tryNext(), (err: { code?: number; message: string }) => err.code === 115 && /\$changeStream/.test(err.message));
    assert.equal(await coll.countDocuments(), 0);
  });
});
