// The command dispatcher: finds the handler, applies the replica-set rules (writes only on the
// primary, reads on a secondary only when the read preference allows), and shapes errors.
import { Long, Timestamp } from 'bson';
import { CommandError, errorReply, unsupported, type Doc } from '../errors.ts';
import type { Context, Handler } from './context.ts';
import { bulkWriteCommands } from './bulk-write.ts';
import { handshakeCommands } from './handshake.ts';
import { indexCommands } from './indexes.ts';
import { namespaceCommands } from './namespaces.ts';
import { readCommands } from './read.ts';
import { writeCommands } from './write.ts';
import { writesResults } from './write-stages.ts';

const handlers: Record<string, Handler> = {
  ...handshakeCommands, ...readCommands, ...writeCommands, ...bulkWriteCommands, ...indexCommands, ...namespaceCommands,
};
/** Lower-case spellings MongoDB also accepts. */
const aliases: Record<string, string> = { findandmodify: 'findAndModify', buildinfo: 'buildInfo', collstats: 'collStats', dbstats: 'dbStats' };

const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify', 'bulkWrite', 'createIndexes', 'dropIndexes', 'create', 'drop', 'dropDatabase']);
const READS = new Set(['find', 'count', 'distinct', 'aggregate', 'explain', 'listIndexes', 'listCollections', 'listDatabases', 'collStats', 'dbStats']);
const TRANSACTION_COMMANDS = new Set(['commitTransaction', 'abortTransaction']);
const KNOWN_UNSUPPORTED: Record<string, string> = {
  mapReduce: 'mapReduce', renameCollection: 'renameCollection', saslStart: 'authentication',
  authenticate: 'authentication', createUser: 'user management', collMod: 'collMod', shutdown: 'shutdown',
  replSetGetStatus: 'replSetGetStatus', replSetStepDown: 'replSetStepDown',
};

/** MongoDB lets a secondary serve a read only when the read preference is not "primary". */
function secondaryOk(cmd: Doc): boolean {
  const pref = cmd.$readPreference as Doc | undefined;
  return typeof pref?.mode === 'string' && pref.mode !== 'primary';
}

function wantsAcknowledgementFromSecondaries(cmd: Doc): boolean {
  const w = (cmd.writeConcern as Doc | undefined)?.w;
  return w === 'majority' || (typeof w === 'number' && w > 1);
}

function gate(name: string, cmd: Doc, ctx: Context): Handler {
  if (cmd.startTransaction === true || cmd.autocommit === false || TRANSACTION_COMMANDS.has(name)) {
    throw unsupported(`multi-document transactions (${name})`);
  }
  const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
  if (!handler) {
    if (KNOWN_UNSUPPORTED[name]) throw unsupported(KNOWN_UNSUPPORTED[name]!);
    throw new CommandError('CommandNotFound', `no such command: '${name}' (the MongoDB stand-in does not support it)`);
  }
  if (ctx.member.role === 'secondary') {
    if (WRITES.has(name)) throw new CommandError('NotWritablePrimary', `not primary: this member is a secondary and cannot accept '${name}'`);
    if (READS.has(name) && !secondaryOk(cmd)) {
      throw new CommandError('NotPrimaryNoSecondaryOk', 'not primary and secondaryOk=false');
    }
  }
  return handler;
}

export async function runCommand(cmd: Doc, ctx: Context): Promise<Doc> {
  const first = Object.keys(cmd)[0] ?? '';
  const name = aliases[first] ?? first;
  let reply: Doc;
  try {
    const handler = gate(name, cmd, ctx);
    if (typeof cmd.$db === 'string') ctx = { ...ctx, db: cmd.$db };
    const afterClusterTime = (cmd.readConcern as Doc | undefined)?.afterClusterTime;
    if (afterClusterTime instanceof Timestamp) await ctx.member.waitForOptime(afterClusterTime);
    reply = await handler(cmd, ctx);
    const writes = WRITES.has(name) || (name === 'aggregate' && writesResults(cmd));
    if (writes && wantsAcknowledgementFromSecondaries(cmd)) await ctx.member.waitForReplication();
  } catch (err) {
    reply = errorReply(err);
  }
  // Replica-set members report logical time so that causally consistent sessions work.
  const optime = ctx.member.optime();
  if (optime) {
    reply.operationTime = optime;
    reply.$clusterTime = { clusterTime: optime, signature: { hash: Buffer.alloc(20), keyId: Long.ZERO } };
  }
  return reply;
}
