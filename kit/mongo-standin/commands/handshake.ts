// Handshake and monitoring: what the driver asks before and between operations.
import { MAX_BSON_BYTES, MAX_MESSAGE_BYTES } from '../framing.ts';
import type { Doc } from '../errors.ts';
import type { Context, Handler } from './context.ts';

/**
 * The stand-in emulates MongoDB 8.0, the version docker-compose.yml runs (mongo:8.0), so that code
 * behaves the same with and without Docker. Wire version 25 is 8.0: the driver then enables 8.0's
 * options (such as `sort` on updateOne/replaceOne) and nothing newer.
 */
export const EMULATED_VERSION = '8.0.0';
const MAX_WIRE_VERSION = 25;

function hello(legacy: boolean): Handler {
  return (_cmd: Doc, ctx: Context) => {
    const writable = ctx.member.role !== 'secondary';
    // Polling monitoring only: no topologyVersion, so the driver never tries streaming (awaitable) hello.
    return {
      helloOk: true,
      [legacy ? 'ismaster' : 'isWritablePrimary']: writable,
      ...ctx.member.topology(),
      maxBsonObjectSize: MAX_BSON_BYTES,
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: ctx.connectionId,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
      ok: 1,
    };
  };
}

export const handshakeCommands: Record<string, Handler> = {
  hello: hello(false),
  isMaster: hello(true),
  ismaster: hello(true),
  ping: () => ({ ok: 1 }),
  buildInfo: () => ({
    version: EMULATED_VERSION, gitVersion: 'mongo-standin', versionArray: [...EMULATED_VERSION.split('.').map(Number), 0], bits: 64,
    maxBsonObjectSize: MAX_BSON_BYTES, storageEngines: ['memory'], javascriptEngine: 'none', ok: 1,
  }),
  endSessions: () => ({ ok: 1 }),
  whatsmyuri: (_cmd, ctx) => ({ you: `connection ${ctx.connectionId}`, ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
};
