// Reading: find with its cursor, getMore/killCursors, count, distinct, aggregate and explain.
import { BSON } from 'bson';
import { Aggregator, ProcessingMode } from 'mingo';
import { CommandError, unsupported, type Doc } from '../errors.ts';
import { runFind, type FindSpec } from '../planner.ts';
import { collectionName, nonNegative, optionalCount, optionalDoc, letVariables, refuseCollation, type Context, type Handler } from './context.ts';
import { checkProjection, project } from './projection.ts';
import { checkWriteStages, resultWriter } from './write-stages.ts';

function findSpec(cmd: Doc): FindSpec & { projection?: Doc } {
  refuseCollation(cmd, 'find');
  for (const option of ['tailable', 'awaitData', 'returnKey', 'showRecordId', 'min', 'max']) {
    if (cmd[option]) throw unsupported(`find option '${option}'`);
  }
  const limit = optionalCount(cmd, 'limit');
  return {
    filter: optionalDoc(cmd, 'filter'),
    sort: optionalDoc(cmd, 'sort') as Record<string, number> | undefined,
    projection: optionalDoc(cmd, 'projection'),
    skip: nonNegative(cmd, 'skip'),
    // A negative limit is the legacy spelling of "limit, in a single batch".
    limit: limit === undefined ? undefined : Math.abs(limit),
    hint: cmd.hint,
    variables: letVariables(cmd),
  };
}

function batchSizeOf(cmd: Doc): number | undefined {
  return nonNegative(cmd, 'batchSize');
}

const find: Handler = (cmd, ctx) => {
  const name = collectionName(cmd, 'find');
  const spec = findSpec(cmd);
  const coll = ctx.store.collection(ctx.db, name);
  const result = runFind(coll, spec);
  // Without a projection the stored BSON bytes go back as they are.
  const docs = spec.projection && Object.keys(spec.projection).length
    ? project(result.docs(), spec.filter, spec.projection, spec.variables)
    : { length: result.rids.length, at: (i: number) => coll!.records.get(result.rids[i]!) };
  const single = cmd.singleBatch === true || (typeof cmd.limit === 'number' && cmd.limit < 0);
  return ctx.cursors.first(`${ctx.db}.${name}`, docs, batchSizeOf(cmd), single);
};

const getMore: Handler = (cmd, ctx) => {
  const id = cmd.getMore;
  if (typeof id !== 'number' && typeof id !== 'bigint' && !(id && typeof id === 'object')) {
    throw new CommandError('TypeMismatch', `getMore expects a cursor id, got ${typeof id}`);
  }
  return ctx.cursors.more(Number(id), `${ctx.db}.${collectionName(cmd, 'collection')}`, batchSizeOf(cmd));
};

const killCursors: Handler = (cmd, ctx) => {
  const ids = Array.isArray(cmd.cursors) ? cmd.cursors.map(Number) : [];
  return ctx.cursors.kill(ids);
};

const count: Handler = (cmd, ctx) => {
  const coll = ctx.store.collection(ctx.db, collectionName(cmd, 'count'));
  refuseCollation(cmd, 'count');
  const query = optionalDoc(cmd, 'query');
  const skip = nonNegative(cmd, 'skip') ?? 0;
  const limit = Math.abs(optionalCount(cmd, 'limit') ?? 0);
  // No filter: the collection's size is known without looking at a document (estimatedDocumentCount).
  const total = !query || Object.keys(query).length === 0
    ? coll?.records.size ?? 0
    : runFind(coll, { filter: query, hint: cmd.hint }).rids.length;
  const n = Math.max(0, total - skip);
  return { n: limit ? Math.min(n, limit) : n, ok: 1 };
};

const distinct: Handler = (cmd, ctx) => {
  const key = cmd.key;
  if (typeof key !== 'string') throw new CommandError('TypeMismatch', "BSON field 'distinct.key' is missing or not a string");
  refuseCollation(cmd, 'distinct');
  const docs = runFind(ctx.store.collection(ctx.db, collectionName(cmd, 'distinct')), { filter: optionalDoc(cmd, 'query') }).docs();
  const seen = new Map<string, unknown>();
  const add = (v: unknown) => { if (v !== undefined) seen.set(BSON.EJSON.stringify({ v }, { relaxed: false }), v); };
  for (const doc of docs) valuesOnPath(doc, key.split('.')).forEach(add);
  return { values: [...seen.values()], ok: 1 };
};

/** Every value a dotted path reaches, looking inside arrays on the way and at the end, as distinct does. */
function valuesOnPath(value: unknown, parts: string[]): unknown[] {
  if (parts.length === 0) return Array.isArray(value) ? value : [value];
  if (Array.isArray(value)) {
    const inside = value.flatMap((item) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? valuesOnPath(item, parts) : []));
    return /^\d+$/.test(parts[0]!) ? [...valuesOnPath(value[Number(parts[0])], parts.slice(1)), ...inside] : inside;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date || (value as { _bsontype?: string })._bsontype) return [];
  return valuesOnPath((value as Doc)[parts[0]!], parts.slice(1));
}

const REFUSED_STAGES: Record<string, string> = {
  $changeStream: 'change streams ($changeStream)', $currentOp: 'the aggregation stage $currentOp', $collStats: 'the aggregation stage $collStats',
  $indexStats: 'the aggregation stage $indexStats', $listSessions: 'the aggregation stage $listSessions', $search: 'Atlas Search ($search)',
};

/** Checks each stage's shape as mongod does before running anything. */
function checkPipeline(pipeline: Doc[]): void {
  for (const stage of pipeline) {
    const keys = stage && typeof stage === 'object' ? Object.keys(stage) : [];
    if (keys.length !== 1) throw CommandError.location(40323, 'A pipeline stage specification object must contain exactly one field.');
    const op = keys[0]!;
    if (Object.hasOwn(REFUSED_STAGES, op)) throw unsupported(REFUSED_STAGES[op]!);
    if (op === '$project' && stage[op] && typeof stage[op] === 'object' && !Array.isArray(stage[op])) checkProjection(stage[op] as Doc);
  }
  checkWriteStages(pipeline);
}

function runPipeline(ctx: Context, source: Doc[], pipeline: Doc[], variables: Doc | undefined): Doc[] {
  // The input documents are freshly decoded copies, so stages may change them without cloning.
  const aggregator = new Aggregator(pipeline, {
    processingMode: ProcessingMode.CLONE_OFF,
    collectionResolver: (name: string) => ctx.store.collection(ctx.db, name)?.docs() ?? [],
    variables,
  });
  return aggregator.run(source) as Doc[];
}

const aggregate: Handler = (cmd, ctx) => {
  if (!Array.isArray(cmd.pipeline)) throw new CommandError('TypeMismatch', "'pipeline' option must be specified as an array");
  const pipeline = cmd.pipeline as Doc[];
  checkPipeline(pipeline);
  if (cmd.explain) throw unsupported('aggregate with explain');
  refuseCollation(cmd, 'aggregate');
  const cursorOpts = optionalDoc(cmd, 'cursor');
  if (!cursorOpts) throw new CommandError('FailedToParse', "The 'cursor' option is required, except for aggregate with the explain argument");
  const target = cmd.aggregate;
  const variables = letVariables(cmd);
  // A pipeline ending in $out or $merge writes its results and answers an empty cursor.
  const writer = resultWriter(cmd, ctx, variables);
  const reading = writer ? pipeline.slice(0, -1) : pipeline;
  let source: Doc[];
  let rest = reading;
  let ns: string;
  if (target === 1) {
    if (Object.keys(reading[0] ?? {})[0] === '$documents') source = [], ns = `${ctx.db}.$cmd.aggregate`;
    else throw unsupported('a collectionless aggregate other than $documents');
  } else {
    const name = collectionName(cmd, 'aggregate');
    const leading = leadingFind(reading);
    source = runFind(ctx.store.collection(ctx.db, name), { ...leading.spec, variables }).docs();
    rest = leading.rest;
    ns = `${ctx.db}.${name}`;
  }
  const docs = rest.length ? runPipeline(ctx, source, rest, variables) : source;
  if (writer) writer(docs);
  return ctx.cursors.first(ns, writer ? [] : docs, nonNegative(cursorOpts, 'batchSize'));
};

/**
 * The pipeline's opening `$match`, and a `$sort`, `$skip` and `$limit` that directly follow it in
 * that order, run as a find: it can use an index, and documents that do not match are never
 * decoded (countDocuments is such a pipeline). The stages after it run in mingo.
 */
function leadingFind(pipeline: Doc[]): { spec: FindSpec; rest: Doc[] } {
  const spec: FindSpec = {};
  let i = 0;
  const stage = (name: string) => (pipeline[i] && Object.keys(pipeline[i]!)[0] === name ? pipeline[i]![name] : undefined);
  const match = stage('$match');
  if (match && typeof match === 'object' && !Array.isArray(match)) (spec.filter = match as Doc), i++;
  const sort = stage('$sort');
  if (sort && typeof sort === 'object' && !Array.isArray(sort)) (spec.sort = sort as Record<string, number>), i++;
  const skip = stage('$skip');
  if (typeof skip === 'number' && Number.isInteger(skip) && skip >= 0) (spec.skip = skip), i++;
  const limit = stage('$limit');
  if (typeof limit === 'number' && Number.isInteger(limit) && limit > 0) (spec.limit = limit), i++;
  return { spec, rest: pipeline.slice(i) };
}

const explain: Handler = (cmd, ctx) => {
  const inner = optionalDoc(cmd, 'explain');
  if (!inner || Object.keys(inner)[0] !== 'find') throw unsupported('explain of anything but find');
  const name = collectionName(inner, 'find');
  const spec = findSpec(inner);
  const started = performance.now();
  const result = runFind(ctx.store.collection(ctx.db, name), spec);
  const millis = Math.round(performance.now() - started);
  const reply: Doc = {
    explainVersion: '1',
    queryPlanner: { namespace: `${ctx.db}.${name}`, parsedQuery: spec.filter ?? {}, winningPlan: result.plan, rejectedPlans: [] },
    command: inner,
    ok: 1,
  };
  if (cmd.verbosity !== 'queryPlanner') {
    reply.executionStats = {
      executionSuccess: true, nReturned: result.rids.length, executionTimeMillis: millis,
      totalKeysExamined: result.keysExamined, totalDocsExamined: result.docsExamined, executionStages: result.plan,
    };
  }
  return reply;
};

export const readCommands: Record<string, Handler> = { find, getMore, killCursors, count, distinct, aggregate, explain };
