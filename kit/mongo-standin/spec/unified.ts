// A runner for the CRUD subset of MongoDB's unified test format (mongodb/specifications,
// source/unified-test-format): it reads a test file (Extended JSON), starts the stand-in as one
// server or as a replica set as each test's runOnRequirements ask, and drives it through the
// official driver exactly as the format describes. What it cannot do (fail points, server
// parameters, authentication, sessions in transactions...) is skipped with the reason.
import { EJSON } from 'bson';
import {
  Collection, Db, MongoClient, MongoServerError, ReadPreference,
  type Document, type CommandStartedEvent, type CommandSucceededEvent, type CommandFailedEvent,
} from 'mongodb';
import { startMongoStandin, type MongoStandin } from '../index.ts';
import { isDocument, mismatch, mismatchRoots } from './match.ts';

/** The version the stand-in emulates, for minServerVersion / maxServerVersion. */
const SERVER_VERSION = [8, 0, 0];
export type Topology = 'single' | 'replicaset';

export interface TestResult {
  file: string;
  test: string;
  /** refused: the stand-in answered 115 CommandNotSupported, naming a feature it leaves out on purpose. */
  status: 'pass' | 'fail' | 'skip' | 'refused';
  /** Why it failed or was skipped. */
  reason?: string;
}

/** Thrown inside a test to skip it with a reason (a feature the runner does not support). */
class Skip extends Error {}

/** Thrown when a test fails because the stand-in refused a feature in the open (code 115). */
class Refused extends Error {}

/** The stand-in's 115 refusal message inside an error, directly or as one of a bulk write's errors. */
function refusalIn(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown; writeErrors?: unknown; cause?: unknown };
  const refusal = (x: { code?: unknown; message?: unknown; errmsg?: unknown } | undefined) =>
    x?.code === 115 && /not supported by the MongoDB stand-in/.test(String(x.message ?? x.errmsg)) ? String(x.message ?? x.errmsg) : undefined;
  const writeErrors = e?.writeErrors instanceof Map ? [...e.writeErrors.values()] : Array.isArray(e?.writeErrors) ? e.writeErrors : [];
  return refusal(e) ?? writeErrors.map(refusal).find(Boolean) ?? (e?.cause ? refusalIn(e.cause) : undefined);
}

/** Parses a unified test file's text: Extended JSON, so $numberLong, $oid, $date... become BSON values. */
export function parseTestFile(text: string): Document {
  return EJSON.parse(text, { relaxed: true }) as Document;
}

function versionParts(v: string): number[] {
  const parts = v.split('.').map(Number);
  while (parts.length < 3) parts.push(0);
  return parts;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** Why one runOnRequirement is not met on `topology`, or undefined when it is. */
function unmet(req: Document, topology: Topology): string | undefined {
  if (req.minServerVersion && compareVersions(SERVER_VERSION, versionParts(req.minServerVersion)) < 0) return `needs server >= ${req.minServerVersion}`;
  if (req.maxServerVersion && compareVersions(SERVER_VERSION, versionParts(req.maxServerVersion)) > 0) return `needs server <= ${req.maxServerVersion}`;
  if (req.topologies && !(req.topologies as string[]).includes(topology)) return `needs topology ${(req.topologies as string[]).join('|')}`;
  if (req.serverless === 'require') return 'needs serverless';
  if (req.serverParameters) return 'needs server parameters (the runner cannot read them)';
  if (req.auth === true) return 'needs authentication';
  if (req.csfle) return 'needs client-side encryption';
  return undefined;
}

/**
 * The first topology (of `order`: the single server first unless told otherwise) on which both the
 * file's and the test's requirements hold, or why none does.
 */
export function pickTopology(fileReqs: Document[] | undefined, testReqs: Document[] | undefined, order: readonly Topology[] = ['single', 'replicaset']): Topology | { skip: string } {
  const reasons: string[] = [];
  const anyMet = (reqs: Document[] | undefined, topology: Topology) => {
    if (!reqs || reqs.length === 0) return true;
    const why = reqs.map((r) => unmet(r, topology));
    if (why.some((w) => w === undefined)) return true;
    reasons.push(...(why as string[]));
    return false;
  };
  for (const topology of order) {
    if (anyMet(fileReqs, topology) && anyMet(testReqs, topology)) return topology;
  }
  return { skip: `runOnRequirements not met on 8.0 single/replicaset: ${[...new Set(reasons)].join('; ')}` };
}

/** Starts the stand-in lazily, once per topology, for the whole run. */
export class StandinPool {
  private servers = new Map<Topology, Promise<MongoStandin>>();
  private internals = new Map<Topology, Promise<MongoClient>>();

  uri(topology: Topology): Promise<string> {
    let server = this.servers.get(topology);
    if (!server) {
      server = startMongoStandin(topology === 'replicaset' ? { replicaSet: { lagMs: 10 } } : {});
      this.servers.set(topology, server);
    }
    return server.then((s) => s.uri);
  }

  /** The runner's own client (initialData, outcome), which no test observes. */
  internal(topology: Topology): Promise<MongoClient> {
    let client = this.internals.get(topology);
    if (!client) {
      client = this.uri(topology).then((uri) => new MongoClient(uri, { serverSelectionTimeoutMS: 5000 }).connect());
      this.internals.set(topology, client);
    }
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.internals.values()) await (await client).close();
    for (const server of this.servers.values()) await (await server).close();
    this.internals.clear();
    this.servers.clear();
  }
}

interface ObservedEvent { type: string; commandName: string; databaseName?: string; command?: Document; reply?: Document }

interface ClientEntity { client: MongoClient; events: ObservedEvent[] }

/** Commands the format never reports unless a test asks for sensitive commands. */
const IGNORED_COMMANDS = new Set(['hello', 'ismaster', 'isMaster', 'saslStart', 'saslContinue', 'getnonce', 'authenticate', 'configureFailPoint']);

function readPreference(value: unknown): ReadPreference | undefined {
  if (!isDocument(value)) return undefined;
  const { mode, tagSets, ...rest } = value as { mode: string; tagSets?: Document[] } & Document;
  return new ReadPreference(mode as ReadPreference['mode'], tagSets as never, rest);
}

/** collectionOptions / databaseOptions in the driver's shape. */
function entityOptions(value: Document | undefined): Document {
  if (!value) return {};
  const { readPreference: rp, ...rest } = value;
  return rp ? { ...rest, readPreference: readPreference(rp) } : rest;
}

class TestContext {
  entities = new Map<string, unknown>();
  clients = new Map<string, ClientEntity>();

  private uri: string;

  constructor(uri: string) {
    this.uri = uri;
  }

  entity<T>(id: string): T {
    if (!this.entities.has(id)) throw new Error(`no entity "${id}"`);
    return this.entities.get(id) as T;
  }

  async create(defs: Document[]): Promise<void> {
    for (const def of defs) {
      const [kind, spec] = Object.entries(def)[0] as [string, Document];
      switch (kind) {
        case 'client': {
          for (const key of Object.keys(spec)) {
            if (!['id', 'observeEvents', 'ignoreCommandMonitoringEvents', 'uriOptions', 'useMultipleMongoses', 'observeSensitiveCommands'].includes(key)) {
              throw new Skip(`client option ${key} is not supported by the runner`);
            }
          }
          const client = new MongoClient(this.uri, { monitorCommands: true, serverSelectionTimeoutMS: 5000, ...(spec.uriOptions ?? {}) });
          const events: ObservedEvent[] = [];
          const observe = new Set<string>(spec.observeEvents ?? []);
          const ignore = new Set<string>(spec.ignoreCommandMonitoringEvents ?? []);
          const keep = (name: string) => !ignore.has(name) && (spec.observeSensitiveCommands || !IGNORED_COMMANDS.has(name));
          if (observe.has('commandStartedEvent')) {
            client.on('commandStarted', (e: CommandStartedEvent) => {
              if (keep(e.commandName)) events.push({ type: 'commandStartedEvent', commandName: e.commandName, databaseName: e.databaseName, command: e.command });
            });
          }
          if (observe.has('commandSucceededEvent')) {
            client.on('commandSucceeded', (e: CommandSucceededEvent) => {
              if (keep(e.commandName)) events.push({ type: 'commandSucceededEvent', commandName: e.commandName, databaseName: e.databaseName, reply: e.reply as Document });
            });
          }
          if (observe.has('commandFailedEvent')) {
            client.on('commandFailed', (e: CommandFailedEvent) => {
              if (keep(e.commandName)) events.push({ type: 'commandFailedEvent', commandName: e.commandName, databaseName: e.databaseName });
            });
          }
          for (const name of observe) {
            if (!['commandStartedEvent', 'commandSucceededEvent', 'commandFailedEvent'].includes(name)) throw new Skip(`observing ${name} is not supported by the runner`);
          }
          await client.connect();
          this.clients.set(spec.id, { client, events });
          this.entities.set(spec.id, client);
          break;
        }
        case 'database': {
          const client = this.entity<MongoClient>(spec.client);
          this.entities.set(spec.id, client.db(spec.databaseName, entityOptions(spec.databaseOptions)));
          break;
        }
        case 'collection': {
          const db = this.entity<Db>(spec.database);
          this.entities.set(spec.id, db.collection(spec.collectionName, entityOptions(spec.collectionOptions)));
          break;
        }
        case 'session': {
          const client = this.entity<MongoClient>(spec.client);
          this.entities.set(spec.id, client.startSession(spec.sessionOptions ?? {}));
          break;
        }
        default:
          throw new Skip(`entity type ${kind} is not supported by the runner`);
      }
    }
  }

  async close(): Promise<void> {
    for (const { client } of this.clients.values()) await client.close().catch(() => {});
  }
}

/** Splits an operation's arguments into the named positional ones and the options (sessions resolved). */
function split(ctx: TestContext, args: Document, positional: string[]): [unknown[], Document] {
  const options: Document = {};
  for (const [key, value] of Object.entries(args)) {
    if (positional.includes(key)) continue;
    if (key === 'session') options.session = ctx.entity(value as string);
    else if (key === 'returnDocument') options.returnDocument = String(value).toLowerCase();
    else options[key] = value;
  }
  return [positional.map((p) => args[p]), options];
}

/** The spec's client.bulkWrite models ({ insertOne: { namespace, document } }) in the driver's shape. */
function clientModels(models: Document[]): Document[] {
  return models.map((m) => {
    const [name, body] = Object.entries(m)[0] as [string, Document];
    return { name, ...body };
  });
}

async function execute(ctx: TestContext, op: Document): Promise<unknown> {
  const args: Document = op.arguments ?? {};
  if (op.object === 'testRunner') throw new Skip(`testRunner operation ${op.name} is not supported by the runner`);
  const target = ctx.entity<unknown>(op.object);
  const call = (positional: string[]) => split(ctx, args, positional);
  if (target instanceof MongoClient) {
    switch (op.name) {
      case 'clientBulkWrite': {
        const [[models], options] = call(['models']);
        return target.bulkWrite(clientModels(models as Document[]) as never, options);
      }
      case 'listDatabases': {
        const [, options] = call([]);
        return (await target.db('admin').admin().listDatabases(options)).databases;
      }
    }
  } else if (target instanceof Db) {
    switch (op.name) {
      case 'aggregate': {
        const [[pipeline], options] = call(['pipeline']);
        return target.aggregate(pipeline as Document[], options).toArray();
      }
      case 'runCommand': {
        const [[command], options] = call(['command', 'commandName']);
        return target.command(command as Document, options);
      }
      case 'createCollection': {
        const [[name], options] = call(['collection']);
        await target.createCollection(name as string, options);
        return undefined;
      }
      case 'dropCollection': {
        const [[name], options] = call(['collection']);
        await target.dropCollection(name as string, options);
        return undefined;
      }
      case 'modifyCollection': {
        const [[name], options] = call(['collection']);
        return target.command({ collMod: name, ...options });
      }
    }
  } else if (target instanceof Collection) {
    const c = target;
    const [[first, second], options] = call(positionalArgs[op.name] ?? []);
    switch (op.name) {
      case 'aggregate': return c.aggregate(first as Document[], options).toArray();
      case 'bulkWrite': return c.bulkWrite(first as never, options);
      case 'count': return c.count(first as Document, options);
      case 'countDocuments': return c.countDocuments(first as Document, options);
      case 'estimatedDocumentCount': return c.estimatedDocumentCount(options);
      case 'deleteOne': return c.deleteOne(first as Document, options);
      case 'deleteMany': return c.deleteMany(first as Document, options);
      case 'distinct': return c.distinct(first as string, second as Document, options);
      case 'find': return c.find(first as Document, options).toArray();
      case 'findOne': return c.findOne(first as Document, options);
      case 'findOneAndDelete': return c.findOneAndDelete(first as Document, options);
      case 'findOneAndReplace': return c.findOneAndReplace(first as Document, second as Document, options);
      case 'findOneAndUpdate': return c.findOneAndUpdate(first as Document, second as Document, options);
      case 'insertOne': return c.insertOne(first as Document, options);
      case 'insertMany': return c.insertMany(first as Document[], options);
      case 'replaceOne': return c.replaceOne(first as Document, second as Document, options);
      case 'updateOne': return c.updateOne(first as Document, second as Document, options);
      case 'updateMany': return c.updateMany(first as Document, second as Document, options);
      case 'createIndex': return c.createIndex(first as Document, options);
      case 'dropIndex': return c.dropIndex(first as string, options);
      case 'listIndexes': return c.listIndexes(options).toArray();
      case 'drop': return c.drop(options);
    }
  }
  throw new Skip(`operation ${op.object}.${op.name} is not supported by the runner`);
}

/** The arguments each collection operation takes by position, in order; the rest are options. */
const positionalArgs: Record<string, string[]> = {
  aggregate: ['pipeline'], bulkWrite: ['requests'], count: ['filter'], countDocuments: ['filter'], deleteOne: ['filter'],
  deleteMany: ['filter'], distinct: ['fieldName', 'filter'], find: ['filter'], findOne: ['filter'], findOneAndDelete: ['filter'],
  findOneAndReplace: ['filter', 'replacement'], findOneAndUpdate: ['filter', 'update'], insertOne: ['document'],
  insertMany: ['documents'], replaceOne: ['filter', 'replacement'], updateOne: ['filter', 'update'],
  updateMany: ['filter', 'update'], createIndex: ['keys'], dropIndex: ['name'],
};

/** Operations whose result is a list of root-level documents (the elements may have extra fields). */
const CURSOR_OPERATIONS = new Set(['aggregate', 'find', 'listIndexes', 'listDatabases']);

/**
 * A driver result in the format's terms: client.bulkWrite's per-model Maps become documents keyed by
 * index, without the Node driver's own `didUpsert` field (not part of the CRUD specification).
 */
function plainResult(result: unknown): unknown {
  if (!isDocument(result)) return result;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(result)) {
    const value = result[key];
    out[key] = value instanceof Map
      ? Object.fromEntries([...value].map(([i, r]) => [String(i), isDocument(r) ? Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'didUpsert')) : r]))
      : value;
  }
  return out;
}

/** Why a thrown error does not match an expectError, or undefined when it does. */
function errorMismatch(expected: Document, err: unknown): string | undefined {
  const e = err as MongoServerError & { partialResult?: unknown; writeErrors?: unknown; writeConcernErrors?: unknown; errorResponse?: Document };
  const server = err instanceof MongoServerError;
  const text = `${(err as Error)?.name}: ${(err as Error)?.message}`;
  if (expected.isClientError !== undefined && expected.isClientError !== !server) {
    return `expected a ${expected.isClientError ? 'client' : 'server'} error, got ${text}`;
  }
  if (expected.isTimeoutError) return 'isTimeoutError is not supported by the runner';
  if (expected.errorContains !== undefined && !String((err as Error)?.message).toLowerCase().includes(String(expected.errorContains).toLowerCase())) {
    return `expected the message to contain "${expected.errorContains}", got ${text}`;
  }
  if (expected.errorCode !== undefined && e?.code !== expected.errorCode) return `expected error code ${expected.errorCode}, got ${e?.code} (${text})`;
  if (expected.errorCodeName !== undefined && String(e?.codeName).toLowerCase() !== String(expected.errorCodeName).toLowerCase()) {
    return `expected codeName ${expected.errorCodeName}, got ${e?.codeName} (${text})`;
  }
  for (const label of expected.errorLabelsContain ?? []) if (!e?.hasErrorLabel?.(label)) return `expected error label ${label} (${text})`;
  for (const label of expected.errorLabelsOmit ?? []) if (e?.hasErrorLabel?.(label)) return `unexpected error label ${label} (${text})`;
  if (expected.errorResponse !== undefined) {
    const problem = mismatch(expected.errorResponse, e?.errorResponse ?? e, { root: true, path: 'errorResponse' });
    if (problem) return problem;
  }
  if (expected.expectResult !== undefined) {
    const partial = e?.partialResult ?? (e as { result?: unknown })?.result;
    const problem = mismatch(expected.expectResult, plainResult(partial), { root: true, path: 'partialResult' });
    if (problem) return problem;
  }
  if (expected.writeErrors !== undefined) {
    const actual = e?.writeErrors instanceof Map ? Object.fromEntries(e.writeErrors) : e?.writeErrors;
    const expectedErrors = expected.writeErrors as Document;
    if (!isDocument(actual)) return `expected writeErrors, got ${text}`;
    const extra = Object.keys(actual).filter((k) => !(k in expectedErrors));
    if (extra.length) return `unexpected writeErrors at ${extra.join(', ')}`;
    for (const [index, we] of Object.entries(expectedErrors)) {
      const problem = mismatch(we, actual[index], { root: true, path: `writeErrors.${index}` });
      if (problem) return problem;
    }
  }
  if (expected.writeConcernErrors !== undefined) {
    const actual = e?.writeConcernErrors as unknown[] | undefined;
    if (!Array.isArray(actual)) return `expected writeConcernErrors, got ${text}`;
    const problem = mismatchRoots(expected.writeConcernErrors, actual);
    if (problem) return `writeConcernErrors: ${problem}`;
  }
  return undefined;
}

async function runOperation(ctx: TestContext, op: Document): Promise<void> {
  let result: unknown;
  let error: unknown;
  let failed = false;
  try {
    result = await execute(ctx, op);
  } catch (err) {
    if (err instanceof Skip) throw err;
    error = err;
    failed = true;
  }
  if (op.ignoreResultAndError) return;
  const what = `${op.object}.${op.name}`;
  try {
    check(ctx, op, what, failed, result, error);
  } catch (err) {
    const refusal = failed ? refusalIn(error) : undefined;
    if (refusal && !(err instanceof Skip)) throw new Refused(`${what}: ${refusal}`);
    throw err;
  }
}

function check(ctx: TestContext, op: Document, what: string, failed: boolean, result: unknown, error: unknown): void {
  if (op.expectError) {
    if (!failed) throw new Error(`${what}: expected an error, got the result ${JSON.stringify(EJSON.serialize(result as Document ?? null))}`);
    const problem = errorMismatch(op.expectError, error);
    if (problem) throw new Error(`${what}: ${problem}`);
    return;
  }
  if (failed) {
    const writeErrors = (error as { writeErrors?: unknown })?.writeErrors;
    const details = writeErrors instanceof Map ? ` ${JSON.stringify(Object.fromEntries(writeErrors))}` : '';
    throw new Error(`${what}: unexpected error ${(error as Error)?.name}: ${(error as Error)?.message}${details}`);
  }
  if (op.saveResultAsEntity) ctx.entities.set(op.saveResultAsEntity, result);
  result = plainResult(result);
  if (op.expectResult !== undefined) {
    const lookup = (id: string) => ctx.entity(id);
    const problem = Array.isArray(op.expectResult) && CURSOR_OPERATIONS.has(op.name)
      ? mismatchRoots(op.expectResult, result, lookup)
      : mismatch(op.expectResult, result, { root: true, entity: lookup });
    if (problem) throw new Error(`${what} result: ${problem}`);
  }
}

function checkEvents(ctx: TestContext, expected: Document[]): void {
  for (const group of expected) {
    if ((group.eventType ?? 'command') !== 'command') throw new Skip(`${group.eventType} events are not supported by the runner`);
    const client = ctx.clients.get(group.client);
    if (!client) throw new Error(`expectEvents names an unknown client ${group.client}`);
    const actual = client.events;
    const wanted = group.events as Document[];
    const count = group.ignoreExtraEvents ? Math.min(actual.length, wanted.length) : actual.length;
    if (count !== wanted.length || actual.length < wanted.length) {
      throw new Error(`expected ${wanted.length} event(s) on ${group.client}, got ${actual.length}: ${actual.map((a) => `${a.type}:${a.commandName}`).join(', ')}`);
    }
    wanted.forEach((w, i) => {
      const [type, body] = Object.entries(w)[0] as [string, Document];
      const a = actual[i]!;
      const where = `event ${i} (${a.type}:${a.commandName})`;
      if (a.type !== type) throw new Error(`${where}: expected ${type}`);
      if (body.commandName !== undefined && body.commandName !== a.commandName) throw new Error(`${where}: expected commandName ${body.commandName}`);
      if (body.databaseName !== undefined && body.databaseName !== a.databaseName) throw new Error(`${where}: expected databaseName ${body.databaseName}, got ${a.databaseName}`);
      for (const key of ['command', 'reply'] as const) {
        if (body[key] === undefined) continue;
        const problem = mismatch(body[key], a[key], { root: true, path: key, entity: (id) => ctx.entity(id) });
        if (problem) throw new Error(`${where}: ${problem}`);
      }
    });
  }
}

async function seed(client: MongoClient, data: Document[]): Promise<void> {
  for (const c of data) {
    const db = client.db(c.databaseName);
    await db.collection(c.collectionName).drop({ writeConcern: { w: 'majority' } }).catch(() => {});
    await db.createCollection(c.collectionName, { ...(c.createOptions ?? {}), writeConcern: { w: 'majority' } });
    if (c.documents.length) await db.collection(c.collectionName).insertMany(c.documents, { writeConcern: { w: 'majority' } });
  }
}

async function checkOutcome(client: MongoClient, outcome: Document[]): Promise<void> {
  for (const c of outcome) {
    const docs = await client.db(c.databaseName).collection(c.collectionName)
      .find({}, { sort: { _id: 1 }, readPreference: 'primary', readConcern: { level: 'local' } }).toArray();
    const problem = mismatch(c.documents, docs, { path: `${c.databaseName}.${c.collectionName}` });
    if (problem) throw new Error(`outcome ${problem}`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the test did not finish within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Tests that check what the Node driver (v7) itself does differently from the CRUD specification, so
 * they fail whatever server answers; skipped with the reason instead of counted against the stand-in.
 */
const DRIVER_DIFFERENCES: { test: RegExp; reason: string }[] = [
  { test: /^(Aggregate with \$out|BulkWrite|FindOneAndReplace|FindOneAndUpdate|InsertMany) passes bypassDocumentValidation: false$/, reason: 'the Node driver leaves bypassDocumentValidation: false out of aggregate, insert, findAndModify and bulk commands' },
  { test: /^inserting _id with type null via (insertOne|insertMany|bulkWrite|clientBulkWrite)$/, reason: 'the Node driver replaces _id: null with a new ObjectId before sending an insert (the stand-in keeps a null _id it receives)' },
  { test: /^partialResult is unset when (first operation fails|all operations fail)/, reason: 'the Node driver always sets partialResult on a client bulk write error, even when no write succeeded' },
];

/** Runs every test of one parsed unified test file against the stand-in. */
export async function runTestFile(file: Document, pool: StandinPool, opts: { label?: string; prefer?: Topology; timeoutMs?: number } = {}): Promise<TestResult[]> {
  const label = opts.label ?? String(file.description);
  const order: Topology[] = opts.prefer === 'replicaset' ? ['replicaset', 'single'] : ['single', 'replicaset'];
  const results: TestResult[] = [];
  for (const test of file.tests as Document[]) {
    const base = { file: label, test: String(test.description) };
    if (test.skipReason) {
      results.push({ ...base, status: 'skip', reason: `skipReason: ${test.skipReason}` });
      continue;
    }
    const difference = DRIVER_DIFFERENCES.find((d) => d.test.test(base.test));
    if (difference) {
      results.push({ ...base, status: 'skip', reason: `driver difference: ${difference.reason}` });
      continue;
    }
    const topology = pickTopology(file.runOnRequirements, test.runOnRequirements, order);
    if (typeof topology !== 'string') {
      results.push({ ...base, status: 'skip', reason: topology.skip });
      continue;
    }
    const ctx = new TestContext(await pool.uri(topology));
    try {
      await withTimeout((async () => {
        const internal = await pool.internal(topology);
        if (file.initialData) await seed(internal, file.initialData);
        await ctx.create(file.createEntities ?? []);
        for (const op of test.operations as Document[]) await runOperation(ctx, op);
        if (test.expectEvents) checkEvents(ctx, test.expectEvents);
        if (test.outcome) await checkOutcome(internal, test.outcome);
      })(), opts.timeoutMs ?? 30_000);
      results.push({ ...base, status: 'pass' });
    } catch (err) {
      if (err instanceof Skip) results.push({ ...base, status: 'skip', reason: err.message });
      else if (err instanceof Refused) results.push({ ...base, status: 'refused', reason: err.message });
      else results.push({ ...base, status: 'fail', reason: (err as Error)?.message ?? String(err) });
    } finally {
      await ctx.close();
    }
  }
  return results;
}
