// Databases and collections: listing, creating, dropping, and their statistics.
import { Query } from 'mingo';
import { CommandError, unsupported, type Doc } from '../errors.ts';
import type { Collection } from '../store.ts';
import { collectionName, optionalDoc, refuseCollation, type Handler } from './context.ts';

function dataSize(coll: Collection): number {
  return coll.records.bytes;
}

const listCollections: Handler = (cmd, ctx) => {
  const colls = [...(ctx.store.databases.get(ctx.db)?.values() ?? [])];
  let docs: Doc[] = colls.map((c) => cmd.nameOnly === true
    ? { name: c.name, type: 'collection' }
    : { name: c.name, type: 'collection', options: {}, info: { readOnly: false }, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } });
  const filter = optionalDoc(cmd, 'filter');
  if (filter) {
    const query = new Query(filter);
    docs = docs.filter((d) => query.test(d));
  }
  return ctx.cursors.first(`${ctx.db}.$cmd.listCollections`, docs, optionalDoc(cmd, 'cursor')?.batchSize as number | undefined);
};

const listDatabases: Handler = (cmd, ctx) => {
  let databases: Doc[] = [...ctx.store.databases].map(([name, colls]) => {
    const size = [...colls.values()].reduce((sum, c) => sum + dataSize(c), 0);
    return cmd.nameOnly === true ? { name } : { name, sizeOnDisk: size, empty: size === 0 };
  });
  const filter = optionalDoc(cmd, 'filter');
  if (filter) {
    const query = new Query(filter);
    databases = databases.filter((d) => query.test(d));
  }
  const totalSize = databases.reduce((sum, d) => sum + Number(d.sizeOnDisk ?? 0), 0);
  return cmd.nameOnly === true ? { databases, ok: 1 } : { databases, totalSize, totalSizeMb: Math.round(totalSize / 1048576), ok: 1 };
};

/** Fields of a create command that are not collection options. */
const CREATE_ENVELOPE = new Set(['create', '$db', 'lsid', '$clusterTime', '$readPreference', 'writeConcern', 'comment', 'txnNumber', 'apiVersion', 'apiStrict', 'apiDeprecationErrors']);

const create: Handler = (cmd, ctx) => {
  const name = collectionName(cmd, 'create');
  if (cmd.viewOn !== undefined) throw unsupported('views (create with viewOn)');
  refuseCollation(cmd, 'create');
  for (const option of ['capped', 'timeseries', 'clusteredIndex', 'validator']) {
    if (cmd[option]) throw unsupported(`the create option '${option}'`);
  }
  // Since SERVER-60064 mongod answers ok to a create of an existing collection with the same
  // options; the stand-in only has collections without options, so any other option differs.
  const options = Object.keys(cmd).filter((k) => !CREATE_ENVELOPE.has(k));
  if (ctx.store.collection(ctx.db, name) && options.length) {
    throw new CommandError('NamespaceExists', `Collection ${ctx.db}.${name} already exists with different options.`);
  }
  ctx.store.ensureCollection(ctx.db, name);
  return { ok: 1 };
};

const drop: Handler = (cmd, ctx) => {
  const name = collectionName(cmd, 'drop');
  const coll = ctx.store.collection(ctx.db, name);
  // Since MongoDB 7.0 dropping a missing collection succeeds.
  if (!coll) return { ok: 1 };
  const nIndexesWas = coll.indexes.size;
  ctx.store.dropCollection(ctx.db, name);
  return { nIndexesWas, ns: `${ctx.db}.${name}`, ok: 1 };
};

const dropDatabase: Handler = (_cmd, ctx) => {
  ctx.store.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok: 1 };
};

const collStats: Handler = (cmd, ctx) => {
  const name = collectionName(cmd, 'collStats');
  const coll = ctx.store.collection(ctx.db, name);
  if (!coll) throw new CommandError('NamespaceNotFound', `Collection [${ctx.db}.${name}] not found.`);
  const size = dataSize(coll);
  const count = coll.records.size;
  const indexSizes: Doc = {};
  for (const ix of coll.indexes.values()) indexSizes[ix.spec.name] = ix.size * 32;
  return {
    ns: coll.ns, size, count, avgObjSize: count ? Math.round(size / count) : 0, storageSize: coll.records.allocated,
    nindexes: coll.indexes.size, totalIndexSize: Object.values(indexSizes).reduce((a, b) => Number(a) + Number(b), 0), indexSizes, ok: 1,
  };
};

const dbStats: Handler = (_cmd, ctx) => {
  const colls = [...(ctx.store.databases.get(ctx.db)?.values() ?? [])];
  const objects = colls.reduce((sum, c) => sum + c.records.size, 0);
  const dataBytes = colls.reduce((sum, c) => sum + dataSize(c), 0);
  return { db: ctx.db, collections: colls.length, views: 0, objects, dataSize: dataBytes, storageSize: dataBytes,
    indexes: colls.reduce((sum, c) => sum + c.indexes.size, 0), ok: 1 };
};

export const namespaceCommands: Record<string, Handler> = { listCollections, listDatabases, create, drop, dropDatabase, collStats, dbStats };
