// In-memory databases and collections. Stored documents are never mutated in place: updates
// build a new object and swap it in, so cursors, replies and secondaries may share references safely.
import { BSON, ObjectId } from 'bson';
import { CommandError, type Doc } from './errors.ts';
import { MAX_BSON_BYTES } from './framing.ts';
import { Index, type IndexSpec } from './indexes.ts';

/** A change as the primary made it; secondaries replay these after the configured lag. */
export type OplogOp =
  | { op: 'insert'; db: string; coll: string; doc: Doc }
  | { op: 'replace'; db: string; coll: string; id: unknown; doc: Doc }
  | { op: 'delete'; db: string; coll: string; id: unknown }
  | { op: 'createCollection'; db: string; coll: string }
  | { op: 'createIndex'; db: string; coll: string; spec: IndexSpec }
  | { op: 'dropIndex'; db: string; coll: string; name: string }
  | { op: 'dropCollection'; db: string; coll: string }
  | { op: 'dropDatabase'; db: string };

export type OplogListener = (op: OplogOp) => void;

function idKey(id: unknown): string {
  if (id instanceof ObjectId) return `o${id.toHexString()}`;
  if (typeof id === 'string') return `s${id}`;
  if (typeof id === 'number') return `n${id}`;
  return `x${BSON.EJSON.stringify({ id }, { relaxed: false })}`;
}

export class Collection {
  readonly db: string;
  readonly name: string;
  /** Records in natural (insertion) order, keyed by record id. */
  readonly records = new Map<number, Doc>();
  readonly indexes = new Map<string, Index>();
  readonly #byId = new Map<string, number>();
  readonly #emit: OplogListener;
  #nextRid = 1;

  constructor(db: string, name: string, emit: OplogListener) {
    this.db = db;
    this.name = name;
    this.#emit = emit;
    this.indexes.set('_id_', new Index({ name: '_id_', key: { _id: 1 }, unique: true }));
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  ridOf(id: unknown): number | undefined {
    return this.#byId.get(idKey(id));
  }

  /** Inserts a document that already carries an `_id`; throws E11000 before changing anything. */
  insert(doc: Doc): void {
    const key = idKey(doc._id);
    if (this.#byId.has(key)) throw this.indexes.get('_id_')!.duplicateError(this.ns, [doc._id]);
    const rid = this.#nextRid++;
    for (const index of this.indexes.values()) if (index.spec.name !== '_id_') index.checkUnique(this.ns, doc, rid);
    this.records.set(rid, doc);
    this.#byId.set(key, rid);
    for (const index of this.indexes.values()) index.add(doc, rid);
    this.#emit({ op: 'insert', db: this.db, coll: this.name, doc });
  }

  replace(rid: number, doc: Doc): void {
    const old = this.records.get(rid);
    if (!old) return;
    if (BSON.calculateObjectSize(doc) > MAX_BSON_BYTES) {
      throw new CommandError('BSONObjectTooLarge', `Resulting document after update is larger than ${MAX_BSON_BYTES}`);
    }
    for (const index of this.indexes.values()) if (index.spec.name !== '_id_') index.checkUnique(this.ns, doc, rid);
    for (const index of this.indexes.values()) index.remove(old, rid);
    this.records.set(rid, doc);
    for (const index of this.indexes.values()) index.add(doc, rid);
    this.#emit({ op: 'replace', db: this.db, coll: this.name, id: doc._id, doc });
  }

  remove(rid: number): void {
    const old = this.records.get(rid);
    if (!old) return;
    for (const index of this.indexes.values()) index.remove(old, rid);
    this.records.delete(rid);
    this.#byId.delete(idKey(old._id));
    this.#emit({ op: 'delete', db: this.db, coll: this.name, id: old._id });
  }

  /** Builds the index over existing documents; refuses (E11000) if they already violate uniqueness. */
  createIndex(spec: IndexSpec): void {
    const index = new Index(spec);
    for (const [rid, doc] of this.records) {
      index.checkUnique(this.ns, doc, rid);
      index.add(doc, rid);
    }
    this.indexes.set(spec.name, index);
    this.#emit({ op: 'createIndex', db: this.db, coll: this.name, spec });
  }

  dropIndex(name: string): void {
    this.indexes.delete(name);
    this.#emit({ op: 'dropIndex', db: this.db, coll: this.name, name });
  }

  docs(): Doc[] {
    return [...this.records.values()];
  }
}

export class Store {
  readonly databases = new Map<string, Map<string, Collection>>();
  /** Receives every change; the primary forwards them to its secondaries. */
  listener: OplogListener = () => {};

  collection(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** MongoDB creates collections implicitly on first write. */
  ensureCollection(db: string, name: string): Collection {
    const existing = this.collection(db, name);
    if (existing) return existing;
    if (!name || name.includes('$') || name.startsWith('system.')) {
      throw new CommandError('InvalidNamespace', `Invalid collection name: ${db}.${name}`);
    }
    let colls = this.databases.get(db);
    if (!colls) this.databases.set(db, (colls = new Map()));
    const coll = new Collection(db, name, (op) => this.listener(op));
    colls.set(name, coll);
    this.listener({ op: 'createCollection', db, coll: name });
    return coll;
  }

  dropCollection(db: string, name: string): boolean {
    const colls = this.databases.get(db);
    if (!colls?.delete(name)) return false;
    if (colls.size === 0) this.databases.delete(db);
    this.listener({ op: 'dropCollection', db, coll: name });
    return true;
  }

  dropDatabase(db: string): void {
    this.databases.delete(db);
    this.listener({ op: 'dropDatabase', db });
  }
}

/** Replays one primary change on a secondary's own store. */
export function applyOp(store: Store, op: OplogOp): void {
  switch (op.op) {
    case 'insert': return store.ensureCollection(op.db, op.coll).insert(op.doc);
    case 'createCollection': return void store.ensureCollection(op.db, op.coll);
    case 'createIndex': return store.ensureCollection(op.db, op.coll).createIndex(op.spec);
    case 'dropIndex': return store.collection(op.db, op.coll)?.dropIndex(op.name);
    case 'dropCollection': return void store.dropCollection(op.db, op.coll);
    case 'dropDatabase': return store.dropDatabase(op.db);
    case 'replace': case 'delete': {
      const coll = store.collection(op.db, op.coll);
      const rid = coll?.ridOf(op.id);
      if (!coll || rid === undefined) return;
      return op.op === 'replace' ? coll.replace(rid, op.doc) : coll.remove(rid);
    }
  }
}
