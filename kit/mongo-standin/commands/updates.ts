// Applying one update specification to one document, and building the document an upsert inserts.
// mingo does the operator work; this file adds MongoDB's rules around it (_id is immutable,
// $setOnInsert only on insert, type errors, replacement vs operator vs pipeline updates).
import { ObjectId } from 'bson';
import { aggregate, update as mingoUpdate } from 'mingo';
import { isEqual } from 'mingo/util';
import { CommandError, fromMingo, type Doc } from '../errors.ts';
import { formatValue } from '../indexes.ts';
import { checkArrayFilters, checkOperatorTypes } from './update-checks.ts';

const OPERATORS = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$push', '$pull', '$pullAll',
  '$addToSet', '$pop', '$currentDate', '$bit', '$setOnInsert']);

export type UpdateSpec = Doc | Doc[];

/** What an update may refer to besides the document: the query (for `$`), arrayFilters and `let`. */
export interface UpdateOptions {
  filter?: Doc;
  arrayFilters?: Doc[];
  variables?: Doc;
}

export function isReplacement(u: UpdateSpec): u is Doc {
  return !Array.isArray(u) && !Object.keys(u).some((k) => k.startsWith('$'));
}

/** The stages mongod runs in an update pipeline (and a $merge whenMatched pipeline); others are InvalidOptions. */
const UPDATE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith', '$fill']);

export function checkUpdatePipeline(stages: Doc[]): Doc[] {
  for (const stage of stages) {
    const name = stage && typeof stage === 'object' ? Object.keys(stage)[0] : undefined;
    if (name !== undefined && name.startsWith('$') && !UPDATE_STAGES.has(name)) {
      throw new CommandError('InvalidOptions', `${name} is not allowed to be used within an update`);
    }
  }
  return stages;
}

export function checkUpdateSpec(u: unknown): UpdateSpec {
  if (Array.isArray(u)) return checkUpdatePipeline(u as Doc[]);
  if (!u || typeof u !== 'object') throw new CommandError('FailedToParse', 'Update argument must be either an object or an array');
  const keys = Object.keys(u);
  const operators = keys.filter((k) => k.startsWith('$'));
  if (operators.length && operators.length !== keys.length) {
    throw new CommandError('FailedToParse', `Unknown modifier: ${keys.find((k) => !k.startsWith('$'))}. Expected a valid update modifier or pipeline-style update specified as an array`);
  }
  for (const op of operators) {
    if (!OPERATORS.has(op)) throw new CommandError('FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
  }
  return u as Doc;
}

/** Puts `_id` first, as MongoDB stores it. */
export function idFirst(doc: Doc, id: unknown): Doc {
  const { _id: _ignored, ...rest } = doc;
  return { _id: id, ...rest };
}

function immutableId(id: unknown): CommandError {
  return new CommandError('ImmutableField', `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(id)}`);
}

/**
 * mingo refuses every operator on `_id`, even a `$set` to the value it already has, which mongod
 * allows (and which upserts need to seed `_id`). Assignments to `_id` are taken out of the modifier
 * here: kept when they change nothing (or create `_id`), refused with ImmutableField otherwise.
 */
function takeIdAssignments(doc: Doc, modifier: Doc): Doc {
  const out: Doc = {};
  for (const [op, fields] of Object.entries(modifier)) {
    const rest: Doc = { ...(fields as Doc) };
    const touchesId = Object.keys(rest).filter((path) => path === '_id' || path.startsWith('_id.'));
    for (const path of touchesId) {
      if (op === '$set' && path === '_id' && (doc._id === undefined || isEqual(doc._id, rest._id))) {
        if (doc._id === undefined) doc._id = rest._id;
        delete rest[path];
        continue;
      }
      throw new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
    if (Object.keys(rest).length) out[op] = rest;
  }
  return out;
}

const positional = (modifier: Doc) => Object.values(modifier).some((fields) => Object.keys(fields as Doc).some((p) => p.split('.').includes('$')));

function runOperators(doc: Doc, modifier: Doc, opts: UpdateOptions, inserting: boolean): void {
  checkArrayFilters(modifier, opts.arrayFilters);
  checkOperatorTypes(doc, modifier);
  // mingo only updates a document that matches the condition it is given, so the query goes along
  // only where `$` needs it; an upsert's new document has no array match, as in mongod.
  const condition = positional(modifier) && !inserting ? opts.filter : undefined;
  try {
    mingoUpdate(doc, modifier, opts.arrayFilters, condition, { queryOptions: { variables: opts.variables } });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/would create a conflict/.test(message)) throw new CommandError('ConflictingUpdateOperators', message.replace(/^u/, 'U'));
    throw fromMingo(err);
  }
}

/** Pipeline updates: mongod keeps `_id` when a stage drops it ($replaceRoot, $project), and refuses a changed one. */
function runPipeline(doc: Doc, pipeline: Doc[], opts: UpdateOptions): Doc {
  const id = doc._id;
  const [result] = aggregate([doc], pipeline, { variables: opts.variables }) as Doc[];
  const next = result ?? {};
  if (next._id === undefined) return id === undefined ? next : idFirst(next, id);
  if (id !== undefined && !isEqual(next._id, id)) throw immutableId(next._id);
  return next;
}

/**
 * Applies `u` and returns the updated document. `doc` is handed over: it may be changed in place,
 * so pass a freshly decoded copy. `inserting` is true when the document is being created by an
 * upsert, which is when $setOnInsert applies.
 */
export function applyUpdate(doc: Doc, u: UpdateSpec, opts: UpdateOptions, inserting: boolean): Doc {
  if (Array.isArray(u)) return runPipeline(doc, u, opts);
  if (isReplacement(u)) {
    if ('_id' in u && doc._id !== undefined && !isEqual(u._id, doc._id)) throw immutableId(u._id);
    return '_id' in u || doc._id !== undefined ? idFirst(u, '_id' in u ? u._id : doc._id) : { ...u };
  }
  const { $setOnInsert, ...modifier } = u as Doc;
  if (inserting && $setOnInsert) modifier.$set = { ...(modifier.$set as Doc | undefined), ...($setOnInsert as Doc) };
  const rest = takeIdAssignments(doc, modifier);
  if (Object.keys(rest).length) runOperators(doc, rest, opts, inserting);
  return doc._id !== undefined && Object.keys(doc)[0] !== '_id' ? idFirst(doc, doc._id) : doc;
}

/** Sets a dotted path on a plain object, creating the objects on the way. */
function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) node[part] = {};
    node = node[part] as Doc;
  }
  node[parts[parts.length - 1]!] = value;
}

/** The starting document for an upsert: the equality conditions of the filter (including `_id`). */
export function upsertSeed(filter: Doc | undefined): Doc {
  const seed: Doc = {};
  const collect = (query: Doc) => {
    for (const [key, value] of Object.entries(query)) {
      if (key === '$and' && Array.isArray(value)) value.forEach((part) => collect(part as Doc));
      if (key.startsWith('$')) continue;
      const isOperatorObject = value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
        && Object.keys(value).some((k) => k.startsWith('$'));
      if (!isOperatorObject) setPath(seed, key, value);
      else if ('$eq' in (value as Doc)) setPath(seed, key, (value as Doc).$eq);
    }
  };
  collect(filter ?? {});
  return '_id' in seed ? idFirst(seed, seed._id) : seed;
}

/** Builds the document an upsert inserts, with a generated `_id` only when neither filter nor update gives one. */
export function upsertDocument(u: UpdateSpec, opts: UpdateOptions): Doc {
  const seed = upsertSeed(opts.filter);
  const base = isReplacement(u) ? ('_id' in seed ? { _id: seed._id } : {}) : seed;
  const doc = applyUpdate(base, u, opts, true);
  // `_id: null` is a value like any other; only a missing _id gets an ObjectId.
  return doc._id === undefined ? idFirst(doc, new ObjectId()) : doc;
}
