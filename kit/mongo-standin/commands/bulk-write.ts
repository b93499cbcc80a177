// The bulkWrite command, new in MongoDB 8.0: one command carrying inserts, updates and deletes for
// any number of collections (the driver's `client.bulkWrite()`). Each operation runs exactly as the
// matching insert/update/delete statement would; the reply lists one result per operation in a
// cursor (only the failures with errorsOnly) and totals.
import { errorReply, CommandError, type Doc } from '../errors.ts';
import { runFind } from '../planner.ts';
import { decodeSequence, letVariables, optionalDoc, refuseCollation, type Context, type Handler } from './context.ts';
import { checkUpdateSpec } from './updates.ts';
import { insertDocument, statements, updateOne } from './write.ts';

interface Totals { nInserted: number; nMatched: number; nModified: number; nUpserted: number; nDeleted: number }

function namespaceOf(op: Doc, kind: string, nsInfo: Doc[], ctx: Context) {
  const at = op[kind];
  const ns = typeof at === 'number' ? nsInfo[at]?.ns : undefined;
  if (typeof ns !== 'string' || !ns.includes('.')) throw new CommandError('BadValue', `BulkWrite ops entry refers to nsInfo index ${String(at)}, which does not exist`);
  const dot = ns.indexOf('.');
  return { store: ctx.store, db: ns.slice(0, dot), name: ns.slice(dot + 1) };
}

/** Runs one operation and returns its result entry (without idx). */
function runOp(op: Doc, nsInfo: Doc[], ctx: Context, variables: Doc | undefined, totals: Totals): Doc {
  const kind = ['insert', 'update', 'delete'].find((k) => k in op);
  if (!kind) throw new CommandError('FailedToParse', `Unrecognized bulkWrite operation: ${Object.keys(op)[0] ?? '(empty)'}`);
  const { store, db, name } = namespaceOf(op, kind, nsInfo, ctx);
  if (kind === 'insert') {
    insertDocument(store.ensureCollection(db, name), optionalDoc(op, 'document') ?? {});
    totals.nInserted++;
    return { ok: 1, n: 1 };
  }
  const filter = optionalDoc(op, 'filter');
  if (kind === 'delete') {
    const coll = store.collection(db, name);
    const { rids } = runFind(coll, { filter, limit: op.multi === true ? 0 : 1, variables });
    for (const rid of rids) coll!.remove(rid);
    totals.nDeleted += rids.length;
    return { ok: 1, n: rids.length };
  }
  const u = checkUpdateSpec(op.updateMods);
  const upsert = op.upsert === true;
  if (!store.collection(db, name) && !upsert) return { ok: 1, n: 0, nModified: 0 };
  const result = updateOne(store.ensureCollection(db, name), u, {
    filter, multi: op.multi === true, upsert, arrayFilters: op.arrayFilters as Doc[] | undefined, sort: optionalDoc(op, 'sort'), variables,
  });
  totals.nMatched += result.matched;
  totals.nModified += result.modified;
  if (result.upserted) {
    totals.nUpserted++;
    return { ok: 1, n: 1, nModified: 0, upserted: { _id: result.upserted._id } };
  }
  return { ok: 1, n: result.matched, nModified: result.modified };
}

const bulkWrite: Handler = (cmd, ctx) => {
  const ops = decodeSequence(statements(cmd, 'ops'));
  // Refused before any operation runs, as update and delete do: a refusal must not leave half a batch written.
  ops.forEach((op) => refuseCollation(op, 'bulkWrite'));
  const nsInfo = decodeSequence(statements(cmd, 'nsInfo'));
  const variables = letVariables(cmd);
  const ordered = cmd.ordered !== false;
  const totals: Totals = { nInserted: 0, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0 };
  const results: Doc[] = [];
  let nErrors = 0;
  for (let idx = 0; idx < ops.length; idx++) {
    try {
      const entry = runOp(ops[idx]!, nsInfo, ctx, variables, totals);
      if (cmd.errorsOnly !== true) results.push({ ...entry, idx });
    } catch (err) {
      nErrors++;
      const { ok: _ok, ...error } = errorReply(err);
      results.push({ ok: 0, idx, ...error });
      if (ordered) break;
    }
  }
  const reply = ctx.cursors.first(`${ctx.db}.$cmd.bulkWrite`, results, undefined);
  return { ...reply, nErrors, ...totals, ok: 1 };
};

export const bulkWriteCommands: Record<string, Handler> = { bulkWrite };
