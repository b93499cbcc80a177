// $out and $merge, the stages that end a pipeline by writing its results into a collection: where
// mongod lets them stand, how it reads their specifications (with its error codes), and $out's
// replacement of the target. $merge's writing is in merge.ts.
import { CommandError, unsupported, type Doc } from '../errors.ts';
import type { Store } from '../store.ts';
import type { Context } from './context.ts';
import { runMerge, type MergeSpec, type WhenMatched, type WhenNotMatched } from './merge.ts';
import { insertDocument } from './write.ts';

const WRITE_STAGES = new Set(['$out', '$merge']);
const stageName = (stage: unknown): string => (stage && typeof stage === 'object' ? Object.keys(stage)[0] ?? '' : '');
const isPlain = (v: unknown): v is Doc => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** mongod's name for a value's BSON type, as its messages print it. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (value instanceof Date) return 'date';
  const bsonType = (value as { _bsontype?: string } | undefined)?._bsontype;
  if (bsonType) return bsonType === 'ObjectId' ? 'objectId' : bsonType.toLowerCase();
  return value === undefined ? 'missing' : 'object';
}

/** The refusal of a writing stage inside another stage's sub-pipeline. */
const CONTAINERS: Record<string, (stage: string) => CommandError> = {
  $lookup: (s) => CommandError.location(51047, `${s} is not allowed within a $lookup's sub-pipeline`),
  $facet: (s) => CommandError.location(40600, `${s} is not allowed to be used within a $facet stage`),
  $unionWith: (s) => CommandError.location(31441, `${s} is not allowed within a $unionWith's sub-pipeline`),
};

function subPipelines(stage: Doc): [string, Doc[]][] {
  const op = stageName(stage);
  const spec = stage[op];
  if (!isPlain(spec)) return [];
  if (op === '$facet') return Object.values(spec).filter(Array.isArray).map((p) => [op, p as Doc[]]);
  if ((op === '$lookup' || op === '$unionWith') && Array.isArray(spec.pipeline)) return [[op, spec.pipeline as Doc[]]];
  return [];
}

/**
 * mongod's placement rules: `$out` and `$merge` only as the last stage (40601) and never in a
 * sub-pipeline. Sub-pipelines are checked first, as mongod parses them with their stage.
 */
export function checkWriteStages(pipeline: Doc[], container?: string): void {
  for (const stage of pipeline) for (const [inner, sub] of subPipelines(stage)) checkWriteStages(sub, inner);
  pipeline.forEach((stage, i) => {
    const op = stageName(stage);
    if (!WRITE_STAGES.has(op)) return;
    if (i !== pipeline.length - 1) throw CommandError.location(40601, `${op} can only be the final stage in the pipeline`);
    if (container) throw CONTAINERS[container]!(op);
  });
}

/** True for an aggregate that ends in `$out` or `$merge`: it writes, so its write concern applies. */
export function writesResults(cmd: Doc): boolean {
  return Array.isArray(cmd.pipeline) && WRITE_STAGES.has(stageName(cmd.pipeline[cmd.pipeline.length - 1]));
}

/** IDL-style checks of a sub-document's fields: unknown (40415) and missing required (40414). */
function checkFields(spec: Doc, where: string, known: string[], required: string[]): void {
  for (const key of Object.keys(spec)) {
    if (!known.includes(key)) throw CommandError.location(40415, `BSON field '${where}.${key}' is an unknown field.`);
  }
  for (const key of required) {
    if (spec[key] === undefined) throw CommandError.location(40414, `BSON field '${where}.${key}' is missing but a required field`);
  }
}

function optionalString(spec: Doc, field: string, where: string): string | undefined {
  const value = spec[field];
  if (value === undefined || typeof value === 'string') return value;
  throw new CommandError('TypeMismatch', `BSON field '${where}.${field}' is the wrong type '${typeName(value)}', expected type 'string'`);
}

const INTERNAL_DBS = new Set(['admin', 'local', 'config']);

function checkTarget(stage: string, db: string, coll: string): void {
  if (!db || !coll || coll.includes('$') || /[/\\. "$\0]/.test(db)) {
    throw new CommandError('InvalidNamespace', `Invalid ${stage} target namespace, ${db}.${coll}`);
  }
  const out = stage === '$out';
  if (coll.startsWith('system.')) {
    throw out ? CommandError.location(17385, `Can't $out to special collection: ${coll}`) : CommandError.location(31319, `Cannot $merge to special collection: ${coll}`);
  }
  if (INTERNAL_DBS.has(db)) {
    throw out ? CommandError.location(31321, `Can't $out to internal database: ${db}`) : CommandError.location(31320, `Cannot $merge to internal database: ${db}`);
  }
}

function parseOut(spec: unknown, db: string): { db: string; coll: string } {
  if (typeof spec === 'string') {
    checkTarget('$out', db, spec);
    return { db, coll: spec };
  }
  if (!isPlain(spec)) throw CommandError.location(16990, `$out only supports a string or object argument, but found ${typeName(spec)}`);
  checkFields(spec, '$out', ['db', 'coll', 'timeseries'], ['db', 'coll']);
  if (spec.timeseries !== undefined) throw unsupported('$out into a time-series collection');
  const target = { db: optionalString(spec, 'db', '$out')!, coll: optionalString(spec, 'coll', '$out')! };
  checkTarget('$out', target.db, target.coll);
  return target;
}

function parseInto(into: unknown, db: string): { db: string; coll: string } {
  if (typeof into === 'string') {
    if (!into) throw CommandError.location(5786800, "$merge 'into' field cannot be an empty string");
    return { db, coll: into };
  }
  if (!isPlain(into)) throw CommandError.location(51178, `$merge 'into' field must be either a string or an object, but found ${typeName(into)}`);
  checkFields(into, 'into', ['db', 'coll'], []);
  const coll = optionalString(into, 'coll', 'into');
  if (!coll) throw CommandError.location(5786801, "$merge 'into' field must specify a 'coll' that is not empty, null or undefined");
  return { db: optionalString(into, 'db', 'into') || db, coll };
}

function parseOn(on: unknown): string[] | undefined {
  if (on === undefined) return undefined;
  if (typeof on !== 'string' && !Array.isArray(on)) {
    throw CommandError.location(51186, `$merge 'on' field must be either a string or an array of strings, but found ${typeName(on)}`);
  }
  const fields = typeof on === 'string' ? [on] : on;
  const bad = fields.findIndex((f) => typeof f !== 'string');
  if (bad >= 0) throw CommandError.location(51134, `$merge 'on' array elements must be strings, but found ${typeName(fields[bad])}`);
  if (fields.length === 0) throw CommandError.location(51187, "If explicitly specifying $merge 'on', must include at least one field");
  const twice = fields.find((f, i) => fields.indexOf(f) !== i);
  if (twice !== undefined) throw CommandError.location(31465, `Found a duplicate field '${twice}'`);
  return fields as string[];
}

const MATCHED_MODES = ['replace', 'keepExisting', 'merge', 'fail'];
const NOT_MATCHED_MODES = ['insert', 'discard', 'fail'];
/** The pairs of modes mongod implements; others are refused (51181). */
const SUPPORTED = new Set(['replace/insert', 'replace/fail', 'replace/discard', 'merge/insert', 'merge/fail', 'merge/discard',
  'keepExisting/insert', 'fail/insert', 'pipeline/insert', 'pipeline/fail', 'pipeline/discard']);

function parseWhenMatched(value: unknown): WhenMatched {
  if (value === undefined) return 'merge';
  if (Array.isArray(value)) return value as Doc[];
  if (typeof value !== 'string') {
    throw CommandError.location(51191, `$merge 'whenMatched' field must be either a string or an array, but found ${typeName(value)}`);
  }
  if (!MATCHED_MODES.includes(value)) throw new CommandError('BadValue', `Enumeration value '${value}' for field 'whenMatched' is not a valid value.`);
  return value as WhenMatched;
}

function parseWhenNotMatched(spec: Doc): WhenNotMatched {
  const value = optionalString(spec, 'whenNotMatched', '$merge') ?? 'insert';
  if (!NOT_MATCHED_MODES.includes(value)) throw new CommandError('BadValue', `Enumeration value '${value}' for field '$merge.whenNotMatched' is not a valid value.`);
  return value as WhenNotMatched;
}

/** mongod's test for `on`: a unique index whose fields are exactly the `on` fields, in any order. */
function hasUniqueIndexOn(store: Store, db: string, coll: string, on: string[]): boolean {
  const target = store.collection(db, coll);
  if (!target) return on.length === 1 && on[0] === '_id';
  const wanted = [...on].sort().join('\0');
  return [...target.indexes.values()].some((ix) => ix.spec.unique && [...ix.fields].sort().join('\0') === wanted);
}

function parseMerge(raw: unknown, db: string, store: Store): MergeSpec {
  if (typeof raw !== 'string' && !isPlain(raw)) throw new CommandError('TypeMismatch', `$merge requires a string or object argument, but found ${typeName(raw)}`);
  const spec: Doc = typeof raw === 'string' ? { into: raw } : raw;
  checkFields(spec, '$merge', ['into', 'on', 'let', 'whenMatched', 'whenNotMatched', 'targetCollectionVersion'], ['into']);
  const target = parseInto(spec.into, db);
  const on = parseOn(spec.on);
  if (spec.let !== undefined && !isPlain(spec.let)) {
    throw new CommandError('TypeMismatch', `BSON field '$merge.let' is the wrong type '${typeName(spec.let)}', expected type 'object'`);
  }
  const whenMatched = parseWhenMatched(spec.whenMatched);
  const whenNotMatched = parseWhenNotMatched(spec);
  const matchedMode = Array.isArray(whenMatched) ? 'pipeline' : whenMatched;
  if (!SUPPORTED.has(`${matchedMode}/${whenNotMatched}`)) {
    throw CommandError.location(51181, `Combination of $merge modes 'whenMatched: ${matchedMode}' and 'whenNotMatched: ${whenNotMatched}' is not supported`);
  }
  checkTarget('$merge', target.db, target.coll);
  if (on && !hasUniqueIndexOn(store, target.db, target.coll, on)) {
    throw CommandError.location(51183, 'Cannot find index to verify that join fields will be unique');
  }
  const lets = spec.let as Doc | undefined;
  if (lets && matchedMode !== 'pipeline') throw CommandError.location(51199, `Cannot use 'let' variables with 'whenMatched: ${matchedMode}' mode`);
  if (lets && 'new' in lets && lets.new !== '$$ROOT') {
    throw CommandError.location(51273, "'let' may not define a value for the reserved 'new' variable other than '$$ROOT'");
  }
  return { ...target, on: on ?? ['_id'], let: lets, whenMatched, whenNotMatched };
}

function runOut(store: Store, target: { db: string; coll: string }, docs: Doc[]): void {
  // Built aside with the old collection's indexes; a failure (a duplicate key) leaves the old one as it was.
  const staged = store.staging(target.db, target.coll);
  for (const index of store.collection(target.db, target.coll)?.indexes.values() ?? []) {
    if (index.spec.name !== '_id_') staged.coll.createIndex(index.spec);
  }
  for (const doc of docs) insertDocument(staged.coll, doc);
  staged.commit();
}

/**
 * For a pipeline ending in `$out` or `$merge`: checks the stage (before anything runs, as mongod
 * parses it) and returns what writes the results. Writes go to the primary, also when a secondary
 * runs the aggregate. Undefined for any other pipeline.
 */
export function resultWriter(cmd: Doc, ctx: Context, variables: Doc | undefined): ((docs: Doc[]) => void) | undefined {
  const pipeline = cmd.pipeline as Doc[];
  const last = pipeline[pipeline.length - 1];
  const op = stageName(last);
  if (!WRITE_STAGES.has(op)) return undefined;
  if ((cmd.readConcern as Doc | undefined)?.level === 'linearizable') {
    throw new CommandError('InvalidOptions', `${op} cannot be used with a 'linearizable' read concern level`);
  }
  const store = ctx.member.primaryStore?.() ?? ctx.store;
  if (op === '$out') {
    const target = parseOut(last![op], ctx.db);
    return (docs) => runOut(store, target, docs);
  }
  // The `on` index is looked for on the member running the aggregate, as mongod does.
  const spec = parseMerge(last![op], ctx.db, ctx.store);
  return (docs) => runMerge(store, spec, docs, variables);
}
