// The handshake: the stand-in reports the same MongoDB version as docker-compose.yml (mongo:8.0),
// so the driver enables exactly the features that version has.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachTarget } from './harness.ts';

/** MongoDB 8.0 speaks wire version 25 (the manual's driver compatibility tables). */
const WIRE_VERSION_8_0 = 25;

forEachTarget('handshake', (target) => {
  it('buildInfo reports version 8.0.x with a matching versionArray', async () => {
    const info = await target().client.db('admin').command({ buildInfo: 1 });
    assert.match(info.version, /^8\.0\.\d+$/);
    assert.deepEqual(info.versionArray.slice(0, 2), [8, 0]);
  });

  it('hello reports wire version 25 (8.0) and the usual limits', async () => {
    const hello = await target().client.db('admin').command({ hello: 1 });
    assert.equal(hello.maxWireVersion, WIRE_VERSION_8_0);
    assert.equal(hello.maxBsonObjectSize, 16 * 1024 * 1024);
    assert.equal(hello.maxMessageSizeBytes, 48_000_000);
    assert.equal(hello.maxWriteBatchSize, 100_000);
    assert.ok(hello.localTime instanceof Date);
  });

  it('answers ping and the legacy isMaster spelling', async () => {
    const admin = target().client.db('admin');
    assert.equal((await admin.command({ ping: 1 })).ok, 1);
    const legacy = await admin.command({ isMaster: 1 });
    assert.equal(typeof legacy.ismaster, 'boolean');
  });
});
