// createIndexes, listIndexes and dropIndexes.
import { CommandError, unsupported, type Doc } from '../errors.ts';
import { defaultIndexName, type IndexSpec } from '../indexes.ts';
import { collectionName, optionalDoc, type Handler } from './context.ts';

function parseSpec(raw: Doc): IndexSpec {
  const key = optionalDoc(raw, 'key');
  if (!key || Object.keys(key).length === 0) throw new CommandError('FailedToParse', "The 'key' field is a required property of an index specification");
  for (const [field, dir] of Object.entries(key)) {
    if (dir !== 1 && dir !== -1) throw unsupported(`index type ${JSON.stringify(dir)} on field '${field}' (only 1 and -1 are supported)`);
  }
  for (const option of ['partialFilterExpression', 'collation', 'wildcardProjection', 'hidden']) {
    if (raw[option] !== undefined) throw unsupported(`the index option '${option}'`);
  }
  const spec: IndexSpec = { name: typeof raw.name === 'string' ? raw.name : defaultIndexName(key as Record<string, number>), key: key as Record<string, number> };
  if (raw.unique === true) spec.unique = true;
  if (raw.sparse === true) spec.sparse = true;
  // Accepted so TTL-index code runs, but documents are not expired (see README).
  if (typeof raw.expireAfterSeconds === 'number') spec.expireAfterSeconds = raw.expireAfterSeconds;
  return spec;
}

const sameSpec = (a: IndexSpec, b: IndexSpec) =>
  JSON.stringify(a.key) === JSON.stringify(b.key) && Boolean(a.unique) === Boolean(b.unique) && Boolean(a.sparse) === Boolean(b.sparse);

const createIndexes: Handler = (cmd, ctx) => {
  if (!Array.isArray(cmd.indexes) || cmd.indexes.length === 0) throw new CommandError('BadValue', "Must specify at least one index to create");
  const specs = (cmd.indexes as Doc[]).map(parseSpec);
  const name = collectionName(cmd, 'createIndexes');
  const created = !ctx.store.collection(ctx.db, name);
  const coll = ctx.store.ensureCollection(ctx.db, name);
  const before = coll.indexes.size;
  for (const spec of specs) {
    const existing = coll.indexes.get(spec.name)?.spec;
    if (existing && !sameSpec(existing, spec)) {
      throw new CommandError('IndexKeySpecsConflict', `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existing)}`);
    }
    const sameKey = [...coll.indexes.values()].find((ix) => JSON.stringify(ix.spec.key) === JSON.stringify(spec.key));
    if (!existing && sameKey) {
      throw new CommandError('IndexOptionsConflict', `Index already exists with a different name: ${sameKey.spec.name}`);
    }
    if (!existing) coll.createIndex(spec);
  }
  const reply: Doc = { numIndexesBefore: before, numIndexesAfter: coll.indexes.size, createdCollectionAutomatically: created, ok: 1 };
  if (before === coll.indexes.size) reply.note = 'all indexes already exist';
  return reply;
};

const listIndexes: Handler = (cmd, ctx) => {
  const name = collectionName(cmd, 'listIndexes');
  const coll = ctx.store.collection(ctx.db, name);
  if (!coll) throw new CommandError('NamespaceNotFound', `ns does not exist: ${ctx.db}.${name}`);
  const docs = [...coll.indexes.values()].map((ix) => ix.describe());
  return ctx.cursors.first(`${ctx.db}.${name}`, docs, optionalDoc(cmd, 'cursor')?.batchSize as number | undefined);
};

const dropIndexes: Handler = (cmd, ctx) => {
  const name = collectionName(cmd, 'dropIndexes');
  const coll = ctx.store.collection(ctx.db, name);
  if (!coll) throw new CommandError('NamespaceNotFound', `ns not found ${ctx.db}.${name}`);
  const was = coll.indexes.size;
  const target = cmd.index;
  let names: string[];
  if (target === '*') names = [...coll.indexes.keys()].filter((n) => n !== '_id_');
  else if (typeof target === 'string') names = [target];
  else if (Array.isArray(target)) names = target.map(String);
  else if (target && typeof target === 'object') {
    const found = [...coll.indexes.values()].find((ix) => JSON.stringify(ix.spec.key) === JSON.stringify(target));
    if (!found) throw new CommandError('IndexNotFound', `can't find index with key: ${JSON.stringify(target)}`);
    names = [found.spec.name];
  } else throw new CommandError('TypeMismatch', "BSON field 'dropIndexes.index' must be a string, array or object");
  for (const n of names) {
    if (n === '_id_') throw new CommandError('InvalidOptions', 'cannot drop _id index');
    if (!coll.indexes.has(n)) throw new CommandError('IndexNotFound', `index not found with name [${n}]`);
  }
  names.forEach((n) => coll.dropIndex(n));
  return { nIndexesWas: was, ok: 1 };
};

export const indexCommands: Record<string, Handler> = { createIndexes, listIndexes, dropIndexes };
