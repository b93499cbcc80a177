// Running $merge: each result document goes into the target collection by its `on` fields, through
// the write commands' own update and insert paths (write.ts), so duplicate keys, unique indexes and
// the `_id` rules are the ones they enforce. Like mongod, every document's `on` values are checked
// before anything is written, and the writes are unordered: all are tried, then the first failure
// is reported.
import { ObjectId } from 'bson';
import { aggregate } from 'mingo';
import { CommandError, fromMingo, type Doc } from '../errors.ts';
import { valueAt } from '../indexes.ts';
import type { Store } from '../store.ts';
import { checkUpdatePipeline, type UpdateSpec } from './updates.ts';
import { insertDocument, updateOne } from './write.ts';

export type WhenMatched = 'merge' | 'replace' | 'keepExisting' | 'fail' | Doc[];
export type WhenNotMatched = 'insert' | 'discard' | 'fail';

export interface MergeSpec {
  db: string;
  coll: string;
  on: string[];
  /** The stage's `let`, for a whenMatched pipeline ({ new: '$$ROOT' } when not given). */
  let?: Doc;
  whenMatched: WhenMatched;
  whenNotMatched: WhenNotMatched;
}

/** The query that finds a document's match: equality on each `on` field, refusing what mongod refuses. */
function onFilter(doc: Doc, on: string[]): Doc {
  const filter: Doc = {};
  for (const path of on) {
    // No array traversal: an array on the way reads as missing, as in mongod's getNestedField.
    const value = valueAt(doc, path);
    if (Array.isArray(value)) throw CommandError.location(51185, `$merge write error: 'on' field '${path}' is an array`);
    if (value === undefined || value === null) {
      throw CommandError.location(51132, `$merge write error: 'on' field '${path}' cannot be missing, null, undefined or an array`);
    }
    filter[path] = { $eq: value };
  }
  return filter;
}

/** The whenMatched pipeline's variables for one document: the stage's `let` evaluated against it. */
function pipelineVariables(spec: MergeSpec, doc: Doc, commandVariables: Doc | undefined): Doc {
  const lets: Doc = { ...(spec.let ?? {}) };
  if (!spec.let || (spec.whenNotMatched === 'insert' && !('new' in lets))) lets.new = '$$ROOT';
  try {
    const [values] = aggregate([doc], [{ $replaceWith: lets }], { variables: commandVariables }) as Doc[];
    return { ...commandVariables, ...values };
  } catch (err) {
    throw fromMingo(err);
  }
}

/** Writes one document; returns whether it matched a document of the target. */
function mergeOne(store: Store, spec: MergeSpec, doc: Doc, filter: Doc, commandVariables: Doc | undefined): boolean {
  const target = () => store.ensureCollection(spec.db, spec.coll);
  const existing = store.collection(spec.db, spec.coll);
  const { whenMatched } = spec;
  const insert = spec.whenNotMatched === 'insert';
  // whenMatched "fail" is a plain insert: a match is a duplicate key (11000).
  if (whenMatched === 'fail') {
    insertDocument(target(), doc);
    return false;
  }
  if (Array.isArray(whenMatched)) {
    // Checked when a document is written, as mongod parses the update then.
    checkUpdatePipeline(whenMatched);
    const variables = pipelineVariables(spec, doc, commandVariables);
    const matched = existing ? updateOne(existing, whenMatched, { filter, multi: false, upsert: false, variables }).matched > 0 : false;
    // Not matched: the document itself is inserted, not the pipeline's output.
    if (!matched && insert) insertDocument(target(), doc);
    return matched;
  }
  if (!existing && !insert) return false;
  const u: UpdateSpec = whenMatched === 'replace' ? doc : whenMatched === 'merge' ? { $set: doc } : { $setOnInsert: doc };
  return updateOne(existing ?? target(), u, { filter, multi: false, upsert: insert }).matched > 0;
}

export function runMerge(store: Store, spec: MergeSpec, docs: Doc[], commandVariables: Doc | undefined): void {
  const withId = spec.on.includes('_id');
  const batch = docs.map((doc) => {
    // A result without _id gets one when merging on _id, as mongod does.
    const complete = withId && doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc;
    return { doc: complete, filter: onFilter(complete, spec.on) };
  });
  let failure: unknown;
  let unmatched = false;
  for (const { doc, filter } of batch) {
    try {
      if (!mergeOne(store, spec, doc, filter, commandVariables)) unmatched = true;
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure) throw failure;
  if (unmatched && spec.whenNotMatched === 'fail') {
    throw new CommandError('MergeStageNoMatchingDocument',
      '$merge could not find a matching document in the target collection for at least one document in the source collection');
  }
}
