// In-memory databases and collections. Documents are stored as BSON bytes (records.ts) that are
// never changed in place, so cursors, replies and secondaries may share them safely.
import { BSON } from 'bson';
import { CommandError, type Doc } from './errors.ts';
import { MAX_BSON_BYTES } from './framing.ts';
import { Index, type IndexSpec } from './indexes.ts';
import { RecordStore } from './records.ts';
import { findId } from './bson-bytes.ts';

/** A change as the primary made it; secondaries replay these after the configured lag. */
export type OplogOp =
  | { op: 'insert'; db: string; coll: string; id: unknown; bytes: Buffer }
  | { op: 'replace'; db: string; coll: string; id: unknown; doc: Doc; bytes: Buffer }
  | { op: 'delete'; db: string; coll: string; id: unknown }
  | { op: 'createCollection'; db: string; coll: string }
  | { op: 'createIndex'; db: string; coll: string; spec: IndexSpec }
  | { op: 'dropIndex'; db: string; coll: string; name: string }
  | { op: 'dropCollection'; db: string; coll: string }
  | { op: 'dropDatabase'; db: string };

export type OplogListener = (op: OplogOp) => void;

/** A document's BSON bytes, refused if over the 16 MiB limit. */
export function encodeDocument(doc: Doc): Buffer {
  const bytes = BSON.serialize(doc);
  if (bytes.length > MAX_BSON_BYTES) {
    throw new CommandError('BSONObjectTooLarge', `Resulting document after update is larger than ${MAX_BSON_BYTES}`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

export class Collection {
  readonly db: string;
  readonly name: string;
  /** The documents as BSON bytes, by record id, in natural (insertion) order. */
  readonly records = new RecordStore();
  readonly indexes = new Map<string, Index>();
  readonly #emit: OplogListener;
  #nextRid = 0;

  constructor(db: string, name: string, emit: OplogListener) {
    this.db = db;
    this.name = name;
    this.#emit = emit;
    this.indexes.set('_id_', new Index({ name: '_id_', key: { _id: 1 }, unique: true }));
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** The record holding this _id, found through the _id index. */
  ridOf(id: unknown): number | undefined {
    return this.indexes.get('_id_')!.ridsFor([id])[0];
  }

  /** A fresh decoded copy of a stored document. */
  doc(rid: number): Doc | undefined {
    return this.records.doc(rid);
  }

  /** Inserts a document that already carries an `_id` (first); throws E11000 before changing anything. */
  insert(doc: Doc): void {
    this.insertBytes(encodeDocument(doc), doc._id, doc);
  }

  /**
   * Inserts a document given as BSON bytes. Only secondary indexes need the decoded document;
   * `doc` saves decoding it again when the caller has it. `idAt` locates an `_id` element that is
   * not first: it is moved to the front on the way into storage.
   */
  insertBytes(bytes: Buffer, id: unknown, doc?: Doc, idAt?: [number, number]): void {
    const rid = this.#nextRid++;
    const idIndex = this.indexes.get('_id_')!;
    if (idIndex.hasKey([id])) throw idIndex.duplicateError(this.ns, [id]);
    if (this.indexes.size > 1) doc ??= BSON.deserialize(bytes);
    for (const index of this.indexes.values()) if (index !== idIndex) index.checkUnique(this.ns, doc!, rid);
    bytes = this.records.put(rid, bytes, idAt);
    idIndex.add({ _id: id }, rid);
    for (const index of this.indexes.values()) if (index !== idIndex) index.add(doc!, rid);
    this.#emit({ op: 'insert', db: this.db, coll: this.name, id, bytes });
  }

  /** Replaces a document by a new version with the same `_id` (which is immutable, so `_id_` stays as it is). */
  replace(rid: number, doc: Doc, bytes: Buffer = encodeDocument(doc)): void {
    if (!this.records.has(rid)) return;
    const secondary = [...this.indexes.values()].filter((index) => index.spec.name !== '_id_');
    const old = secondary.length ? this.records.doc(rid)! : undefined;
    for (const index of secondary) index.checkUnique(this.ns, doc, rid);
    for (const index of secondary) index.remove(old!, rid);
    this.records.put(rid, bytes);
    for (const index of secondary) index.add(doc, rid);
    this.#emit({ op: 'replace', db: this.db, coll: this.name, id: doc._id, doc, bytes });
  }

  remove(rid: number): void {
    const bytes = this.records.get(rid);
    if (!bytes) return;
    // Only secondary indexes need the whole document; the _id index needs just the _id.
    const old = this.indexes.size > 1 ? this.records.doc(rid)! : { _id: findId(bytes)?.id };
    for (const index of this.indexes.values()) index.remove(old, rid);
    this.records.delete(rid);
    this.#emit({ op: 'delete', db: this.db, coll: this.name, id: old._id });
  }

  /** Builds the index over existing documents; refuses (E11000) if they already violate uniqueness. */
  createIndex(spec: IndexSpec): void {
    const index = new Index(spec);
    for (const rid of this.records.rids()) {
      const doc = this.records.doc(rid)!;
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

  /** Every document, decoded (aggregation input). */
  docs(): Doc[] {
    return [...this.records.rids()].map((rid) => this.records.doc(rid)!);
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
    checkCollectionName(db, name);
    const coll = new Collection(db, name, (op) => this.listener(op));
    this.#place(coll);
    this.listener({ op: 'createCollection', db, coll: name });
    return coll;
  }

  #place(coll: Collection): void {
    let colls = this.databases.get(coll.db);
    if (!colls) this.databases.set(coll.db, (colls = new Map()));
    colls.set(coll.name, coll);
  }

  /**
   * A new collection built off to the side to replace `db.name` whole ($out): nothing sees it and
   * its changes are held back until `commit()` puts it in place of the old one (if any) and sends
   * them on, after a drop of the old one, so that secondaries rebuild it the same way.
   */
  staging(db: string, name: string): { coll: Collection; commit(): void } {
    checkCollectionName(db, name);
    const held: OplogOp[] = [];
    let live = false;
    const coll = new Collection(db, name, (op) => (live ? this.listener(op) : held.push(op)));
    const commit = () => {
      if (this.collection(db, name)) this.listener({ op: 'dropCollection', db, coll: name });
      this.#place(coll);
      this.listener({ op: 'createCollection', db, coll: name });
      held.forEach((op) => this.listener(op));
      live = true;
    };
    return { coll, commit };
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

function checkCollectionName(db: string, name: string): void {
  if (!name || name.includes('$') || name.startsWith('system.')) {
    throw new CommandError('InvalidNamespace', `Invalid collection name: ${db}.${name}`);
  }
}

/** Replays one primary change on a secondary's own store. */
export function applyOp(store: Store, op: OplogOp): void {
  switch (op.op) {
    case 'insert': return store.ensureCollection(op.db, op.coll).insertBytes(op.bytes, op.id);
    case 'createCollection': return void store.ensureCollection(op.db, op.coll);
    case 'createIndex': return store.ensureCollection(op.db, op.coll).createIndex(op.spec);
    case 'dropIndex': return store.collection(op.db, op.coll)?.dropIndex(op.name);
    case 'dropCollection': return void store.dropCollection(op.db, op.coll);
    case 'dropDatabase': return store.dropDatabase(op.db);
    case 'replace': case 'delete': {
      const coll = store.collection(op.db, op.coll);
      const rid = coll?.ridOf(op.id);
      if (!coll || rid === undefined) return;
      return op.op === 'replace' ? coll.replace(rid, op.doc, op.bytes) : coll.remove(rid);
    }
  }
}
