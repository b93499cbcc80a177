// Writing: insert, update, delete and findAndModify, with MongoDB's per-statement writeErrors.
import { BSONRegExp, ObjectId } from 'bson';
import { CommandError, errorReply, type Doc } from '../errors.ts';
import { runFind } from '../planner.ts';
import { encodeDocument, type Collection } from '../store.ts';
import { applyUpdate, checkUpdateSpec, idFirst, isReplacement, upsertDocument, type UpdateOptions, type UpdateSpec } from './updates.ts';
import { findId } from '../bson-bytes.ts';
import { DocumentSequence } from '../framing.ts';
import { collectionName, decodeSequence, letVariables, optionalDoc, refuseCollation, type Context, type Handler } from './context.ts';
import { project } from './projection.ts';

/** The command's documents or statements: an array of objects, or BSON bytes when sent as a document sequence. */
export function statements(cmd: Doc, field: string): unknown[] | DocumentSequence {
  const list = cmd[field];
  if (!Array.isArray(list) && !(list instanceof DocumentSequence)) throw new CommandError('FailedToParse', `BSON field '${field}' is missing or is not an array`);
  if (list.length > 100_000) throw new CommandError('InvalidOptions', `Write batch sizes must be between 1 and 100000. Got ${list.length} operations.`);
  return list;
}

function writeError(err: unknown, index: number): Doc {
  const { ok: _ok, codeName: _codeName, ...rest } = errorReply(err);
  return { index, ...rest };
}

/**
 * Runs each statement in order; an ordered batch stops at its first failure, an unordered one
 * carries on. Either way the reply is ok: 1 with the failures listed in writeErrors.
 */
export function eachStatement<T>(cmd: Doc, list: { length: number; at(i: number): T | undefined }, run: (statement: T, index: number) => void): Doc[] {
  const ordered = cmd.ordered !== false;
  const errors: Doc[] = [];
  for (let i = 0; i < list.length; i++) {
    try {
      run(list.at(i)!, i);
    } catch (err) {
      errors.push(writeError(err, i));
      if (ordered) break;
    }
  }
  return errors;
}

function finish(reply: Doc, errors: Doc[]): Doc {
  if (errors.length) reply.writeErrors = errors;
  reply.ok = 1;
  return reply;
}

/** mongod's rules for a stored `_id` (insert, and the result of an upsert). */
export function checkId(id: unknown): void {
  if (Array.isArray(id)) throw new CommandError('BadValue', "The '_id' value cannot be of type array");
  if (id instanceof RegExp || id instanceof BSONRegExp) throw new CommandError('BadValue', "The '_id' value cannot be of type regex");
  if (id && typeof id === 'object' && Object.getPrototypeOf(id) === Object.prototype) {
    const dollar = Object.keys(id).find((k) => k.startsWith('$'));
    if (dollar) throw new CommandError('DollarPrefixedFieldName', `_id fields may not contain '$'-prefixed fields: ${dollar} is not valid for storage.`);
  }
}

function prepareInsert(doc: Doc): Doc {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new CommandError('TypeMismatch', 'documents to insert must be objects');
  if (doc._id === undefined) return { _id: new ObjectId(), ...doc };
  checkId(doc._id);
  // Like mongod, keep _id as the first field whatever order the client sent.
  for (const key in doc) return key === '_id' ? doc : idFirst(doc, doc._id);
  return doc;
}

const simpleId = (id: unknown) => typeof id === 'string' || typeof id === 'number' || id instanceof ObjectId;

/**
 * Stores one document. Bytes from a document sequence whose `_id` is a plain value go into a
 * collection without secondary indexes as they are (with `_id` moved first); anything else is
 * decoded and checked field by field.
 */
export function insertDocument(coll: Collection, item: unknown): void {
  if (Buffer.isBuffer(item) && coll.indexes.size === 1) {
    const element = findId(item);
    if (element && simpleId(element.id)) return coll.insertBytes(item, element.id, undefined, [element.start, element.end]);
  }
  coll.insert(prepareInsert(decodeSequence([item])[0]!));
}

const insert: Handler = (cmd, ctx) => {
  const docs = statements(cmd, 'documents');
  const coll = ctx.store.ensureCollection(ctx.db, collectionName(cmd, 'insert'));
  let n = 0;
  const errors = eachStatement(cmd, docs, (item) => {
    insertDocument(coll, item);
    n++;
  });
  return finish({ n }, errors);
};

export interface StatementOptions extends UpdateOptions { multi: boolean; upsert: boolean; sort?: Doc }

/** Applies one update statement; returns matched, modified and the upserted document if any. */
export function updateOne(coll: Collection, u: UpdateSpec, opts: StatementOptions) {
  if (opts.multi && isReplacement(u)) {
    throw new CommandError('FailedToParse', 'multi update is not supported for replacement-style update');
  }
  const { rids } = runFind(coll, { filter: opts.filter, sort: opts.sort as Record<string, number> | undefined, limit: opts.multi ? 0 : 1, variables: opts.variables });
  const before = rids.length ? coll.doc(rids[0]!) : undefined;
  let modified = 0;
  let after: Doc | undefined;
  for (const rid of rids) {
    const next = applyUpdate(coll.doc(rid)!, u, opts, false);
    after ??= next;
    const bytes = encodeDocument(next);
    if (!changedBytes(coll, rid, bytes)) continue;
    coll.replace(rid, next, bytes);
    modified++;
  }
  if (rids.length === 0 && opts.upsert) {
    const doc = upsertDocument(u, opts);
    checkId(doc._id);
    coll.insert(doc);
    return { matched: 0, modified: 0, upserted: doc, before: undefined, after: doc };
  }
  return { matched: rids.length, modified, upserted: undefined, before, after };
}

/**
 * Whether an update changed the stored document (mongod's nModified). Bytes equal to the stored
 * ones mean no change; different bytes may still only be a type the round trip through JavaScript
 * normalised (an int64 read back as a number), so they are compared with the re-encoded original.
 */
function changedBytes(coll: Collection, rid: number, bytes: Buffer): boolean {
  const stored = coll.records.get(rid)!;
  return !bytes.equals(stored) && !bytes.equals(encodeDocument(coll.doc(rid)!));
}

const update: Handler = (cmd, ctx) => {
  const list = decodeSequence(statements(cmd, 'updates'));
  const name = collectionName(cmd, 'update');
  list.forEach((s) => refuseCollation(s, 'update'));
  // Like mongod, only an upsert creates a missing collection.
  const existing = ctx.store.collection(ctx.db, name);
  if (!existing && !list.some((s) => s.upsert === true)) return { n: 0, nModified: 0, ok: 1 };
  const coll = existing ?? ctx.store.ensureCollection(ctx.db, name);
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const variables = letVariables(cmd);
  const errors = eachStatement(cmd, list, (s, index) => {
    const result = updateOne(coll, checkUpdateSpec(s.u), {
      filter: optionalDoc(s, 'q'), multi: s.multi === true, upsert: s.upsert === true,
      arrayFilters: s.arrayFilters as Doc[] | undefined, sort: optionalDoc(s, 'sort'), variables,
    });
    n += result.matched + (result.upserted ? 1 : 0);
    nModified += result.modified;
    if (result.upserted) upserted.push({ index, _id: result.upserted._id });
  });
  return finish(upserted.length ? { n, nModified, upserted } : { n, nModified }, errors);
};

const remove: Handler = (cmd, ctx) => {
  const list = decodeSequence(statements(cmd, 'deletes'));
  const coll = ctx.store.collection(ctx.db, collectionName(cmd, 'delete'));
  const variables = letVariables(cmd);
  list.forEach((s) => refuseCollation(s, 'delete'));
  let n = 0;
  const errors = eachStatement(cmd, list, (s) => {
    if (s.limit !== 0 && s.limit !== 1) throw new CommandError('FailedToParse', 'The limit field in delete objects must be 0 or 1.');
    const { rids } = runFind(coll, { filter: optionalDoc(s, 'q'), limit: s.limit === 1 ? 1 : 0, variables });
    for (const rid of rids) coll!.remove(rid);
    n += rids.length;
  });
  return finish({ n }, errors);
};

function projected(doc: Doc | undefined, fields: Doc | undefined, variables: Doc | undefined): Doc | null {
  return doc ? project([doc], undefined, fields, variables)[0] ?? null : null;
}

const findAndModify: Handler = (cmd: Doc, ctx: Context) => {
  const name = collectionName(cmd, 'findAndModify');
  const query = optionalDoc(cmd, 'query');
  const sort = optionalDoc(cmd, 'sort');
  const fields = optionalDoc(cmd, 'fields');
  const variables = letVariables(cmd);
  refuseCollation(cmd, 'findAndModify');
  if (cmd.remove === true) {
    if (cmd.update !== undefined) throw new CommandError('FailedToParse', 'Cannot specify both an update and remove=true');
    if (cmd.new === true) throw new CommandError('FailedToParse', "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document");
    const coll = ctx.store.collection(ctx.db, name);
    const found = runFind(coll, { filter: query, sort: sort as Record<string, number> | undefined, limit: 1, variables });
    const doc = found.docs()[0];
    if (doc) coll!.remove(found.rids[0]!);
    return { lastErrorObject: { n: doc ? 1 : 0 }, value: projected(doc, fields, variables), ok: 1 };
  }
  if (cmd.update === undefined) throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  const u = checkUpdateSpec(cmd.update);
  if (!ctx.store.collection(ctx.db, name) && cmd.upsert !== true) {
    return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  }
  const coll = ctx.store.ensureCollection(ctx.db, name);
  const result = updateOne(coll, u, { filter: query, multi: false, upsert: cmd.upsert === true, arrayFilters: cmd.arrayFilters as Doc[] | undefined, sort, variables });
  const lastErrorObject: Doc = { n: result.matched || (result.upserted ? 1 : 0), updatedExisting: result.matched > 0 };
  if (result.upserted) lastErrorObject.upserted = result.upserted._id;
  return { lastErrorObject, value: projected(cmd.new === true ? result.after : result.before, fields, variables), ok: 1 };
};

export const writeCommands: Record<string, Handler> = { insert, update, delete: remove, findAndModify };
