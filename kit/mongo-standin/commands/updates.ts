// Applying one update specification to one document, and building the document an upsert inserts.
// mingo does the operator work; this file adds MongoDB's rules around it (_id is immutable,
// $setOnInsert only on insert, replacement vs operator vs pipeline updates).
import { BSON, ObjectId } from 'bson';
import { aggregate, update as mingoUpdate } from 'mingo';
import { isEqual } from 'mingo/util';
import { CommandError, type Doc } from '../errors.ts';

const OPERATORS = new Set(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$push', '$pull', '$pullAll',
  '$addToSet', '$pop', '$currentDate', '$bit', '$setOnInsert']);

export type UpdateSpec = Doc | Doc[];

export function isReplacement(u: UpdateSpec): u is Doc {
  return !Array.isArray(u) && !Object.keys(u).some((k) => k.startsWith('$'));
}

export function checkUpdateSpec(u: unknown): UpdateSpec {
  if (Array.isArray(u)) return u as Doc[];
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

/** A deep copy with BSON semantics (ObjectId, Date, Binary... survive as themselves). */
export function copyDoc(doc: Doc): Doc {
  return BSON.deserialize(BSON.serialize(doc));
}

/** Puts `_id` first, as MongoDB stores it. */
function idFirst(doc: Doc, id: unknown): Doc {
  const { _id: _ignored, ...rest } = doc;
  return { _id: id, ...rest };
}

/**
 * Returns the updated copy of `doc` and whether anything changed. `inserting` is true when the
 * document is being created by an upsert, which is when $setOnInsert applies.
 */
export function applyUpdate(doc: Doc, u: UpdateSpec, arrayFilters: Doc[] | undefined, inserting: boolean): { doc: Doc; changed: boolean } {
  const before = Buffer.from(BSON.serialize(doc));
  let next: Doc;
  if (Array.isArray(u)) {
    next = (aggregate([copyDoc(doc)], u)[0] ?? {}) as Doc;
  } else if (isReplacement(u)) {
    if ('_id' in u && !inserting && !isEqual(u._id, doc._id)) throw immutableId();
    next = idFirst(u, '_id' in u ? u._id : doc._id);
  } else {
    const { $setOnInsert, ...modifier } = u as Doc;
    if (inserting && $setOnInsert) modifier.$set = { ...(modifier.$set as Doc | undefined), ...($setOnInsert as Doc) };
    next = copyDoc(doc);
    if (Object.keys(modifier).length) runOperators(next, modifier, arrayFilters);
  }
  if (!inserting && !isEqual(next._id, doc._id)) throw immutableId();
  return { doc: next, changed: !before.equals(BSON.serialize(next)) };
}

/** mingo raises these two rule violations itself; give them MongoDB's codes. */
function runOperators(doc: Doc, modifier: Doc, arrayFilters: Doc[] | undefined): void {
  try {
    mingoUpdate(doc, modifier, arrayFilters);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/immutable field '_id'/.test(message)) throw immutableId();
    if (/would create a conflict/.test(message)) throw new CommandError('ConflictingUpdateOperators', message.replace(/^u/, 'U'));
    throw err;
  }
}

function immutableId(): CommandError {
  return new CommandError('ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
}

/** The starting document for an upsert: the equality conditions of the filter. */
export function upsertSeed(filter: Doc | undefined): Doc {
  const sets: Doc = {};
  const collect = (query: Doc) => {
    for (const [key, value] of Object.entries(query)) {
      if (key === '$and' && Array.isArray(value)) value.forEach((part) => collect(part as Doc));
      if (key.startsWith('$')) continue;
      const isOperatorObject = value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
        && Object.keys(value).some((k) => k.startsWith('$'));
      if (!isOperatorObject) sets[key] = value;
      else if ('$eq' in (value as Doc)) sets[key] = (value as Doc).$eq;
    }
  };
  collect(filter ?? {});
  const seed: Doc = {};
  if (Object.keys(sets).length) mingoUpdate(seed, { $set: sets });
  return seed;
}

/** Builds the document an upsert inserts, with a generated `_id` when neither filter nor update gives one. */
export function upsertDocument(filter: Doc | undefined, u: UpdateSpec, arrayFilters: Doc[] | undefined): Doc {
  const seed = upsertSeed(filter);
  const base = isReplacement(u as Doc) && !Array.isArray(u) ? ('_id' in seed ? { _id: seed._id } : {}) : seed;
  const { doc } = applyUpdate(base, u, arrayFilters, true);
  return idFirst(doc, doc._id ?? new ObjectId());
}
