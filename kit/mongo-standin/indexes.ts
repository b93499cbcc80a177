// Secondary indexes kept as arrays of entries sorted in index order, so that a query can
// walk them in order and the stand-in can report honestly how many keys and documents it touched.
import { ObjectId } from 'bson';
import { compare } from 'mingo/util';
import { CommandError, type Doc } from './errors.ts';

export interface IndexSpec {
  name: string;
  key: Record<string, number>;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
}

export interface IndexEntry {
  key: unknown[];
  rid: number;
}

/** Reads a dotted path without array traversal; a missing value indexes as null, as in MongoDB. */
export function valueAt(doc: Doc, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Doc)[part];
  }
  return value;
}

/**
 * One index as two parallel arrays sorted in index order (key, then record id). Parallel arrays
 * instead of one object per entry: the `_id_` index holds an entry for every document, and an
 * object per entry would cost more memory than the document's own BSON bytes.
 */
export class Index {
  readonly spec: IndexSpec;
  readonly fields: string[];
  readonly dirs: number[];
  /** Keys in index order: the value itself for a one-field index, an array of values for a compound one. */
  readonly #keys: unknown[] = [];
  readonly #rids: number[] = [];
  /** Set once an indexed field holds an array; the planner then stops trusting this index's order. */
  multikey = false;

  constructor(spec: IndexSpec) {
    this.spec = spec;
    this.fields = Object.keys(spec.key);
    this.dirs = this.fields.map((f) => (Number(spec.key[f]) < 0 ? -1 : 1));
  }

  get size(): number {
    return this.#rids.length;
  }

  /** The entry at position `i` of the index order. */
  entry(i: number): IndexEntry {
    const stored = this.#keys[i];
    return { key: this.fields.length === 1 ? [stored] : (stored as unknown[]), rid: this.#rids[i]! };
  }

  keyOf(doc: Doc): unknown[] | undefined {
    const raw = this.fields.map((f) => valueAt(doc, f));
    if (this.spec.sparse && raw.every((v) => v === undefined)) return undefined;
    if (raw.some(Array.isArray)) this.multikey = true;
    return raw.map((v) => (v === undefined ? null : v));
  }

  compareKeys(a: unknown[], b: unknown[]): number {
    for (let i = 0; i < this.dirs.length; i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c * this.dirs[i]!;
    }
    return 0;
  }

  #compareAt(i: number, key: unknown[], rid: number): number {
    const stored = this.#keys[i];
    const c = this.fields.length === 1 ? compareValues(stored, key[0]) * this.dirs[0]! : this.compareKeys(stored as unknown[], key);
    return c || this.#rids[i]! - rid;
  }

  /** First position whose entry is not before (key, rid) (binary search). */
  #lowerBound(key: unknown[], rid: number): number {
    let lo = 0;
    let hi = this.#rids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compareAt(mid, key, rid) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True when some entry has this key. Keys that arrive in ascending order (ObjectIds) need one comparison. */
  hasKey(key: unknown[]): boolean {
    const last = this.#rids.length - 1;
    if (last < 0 || this.#compareAt(last, key, -Infinity) < 0) return false;
    return this.ridsFor(key).length > 0;
  }

  /** Record ids whose key equals `key`, in index order. */
  ridsFor(key: unknown[]): number[] {
    const out: number[] = [];
    for (let i = this.#lowerBound(key, -Infinity); i < this.#rids.length; i++) {
      if (this.#compareAt(i, key, this.#rids[i]!) !== 0) break;
      out.push(this.#rids[i]!);
    }
    return out;
  }

  /** Throws the real E11000 error if another record already holds this key. */
  checkUnique(ns: string, doc: Doc, rid: number): void {
    if (!this.spec.unique) return;
    const key = this.keyOf(doc);
    if (!key) return;
    if (this.ridsFor(key).some((other) => other !== rid)) throw this.duplicateError(ns, key);
  }

  duplicateError(ns: string, key: unknown[]): CommandError {
    const keyValue: Doc = {};
    this.fields.forEach((f, i) => (keyValue[f] = key[i]));
    const shown = this.fields.map((f, i) => `${f}: ${formatValue(key[i])}`).join(', ');
    return new CommandError('DuplicateKey',
      `E11000 duplicate key error collection: ${ns} index: ${this.spec.name} dup key: { ${shown} }`,
      { keyPattern: { ...this.spec.key }, keyValue });
  }

  add(doc: Doc, rid: number): void {
    const key = this.keyOf(doc);
    if (!key) return;
    const stored = this.fields.length === 1 ? key[0] : key;
    const last = this.#rids.length - 1;
    // Fast path: ObjectIds and timestamps mostly arrive in ascending order.
    if (last < 0 || this.#compareAt(last, key, rid) < 0) {
      this.#keys.push(stored);
      this.#rids.push(rid);
    } else {
      const at = this.#lowerBound(key, rid);
      this.#keys.splice(at, 0, stored);
      this.#rids.splice(at, 0, rid);
    }
  }

  remove(doc: Doc, rid: number): void {
    const key = this.keyOf(doc);
    if (!key) return;
    const at = this.#lowerBound(key, rid);
    if (this.#rids[at] === rid) {
      this.#keys.splice(at, 1);
      this.#rids.splice(at, 1);
    }
  }

  /** First entry position for which `before` is false; `before` must hold for a prefix of the entries. */
  partitionPoint(before: (entry: IndexEntry) => boolean): number {
    let lo = 0;
    let hi = this.#rids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.entry(mid))) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  describe(): Doc {
    const out: Doc = { v: 2, key: { ...this.spec.key }, name: this.spec.name };
    if (this.spec.unique && this.spec.name !== '_id_') out.unique = true; // mongod never lists _id_ as unique
    if (this.spec.sparse) out.sparse = true;
    if (this.spec.expireAfterSeconds !== undefined) out.expireAfterSeconds = this.spec.expireAfterSeconds;
    return out;
  }
}

/**
 * bson 7 keeps an ObjectId as four 24-bit numbers (its `id` getter builds a new Buffer on every
 * call, which made index searches allocate). Comparing the numbers in order is byte order.
 */
interface OidParts { i0: number; i1: number; i2: number; i3: number }
function compareObjectIds(a: OidParts, b: OidParts): number {
  return a.i0 - b.i0 || a.i1 - b.i1 || a.i2 - b.i2 || a.i3 - b.i3;
}

/**
 * MongoDB's value order (mingo's compare), with fast paths for the common same-type keys:
 * ObjectIds compare by their bytes, which is the order of their hex strings.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof ObjectId && b instanceof ObjectId) return compareObjectIds(a as unknown as OidParts, b as unknown as OidParts);
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  return compare(a, b);
}

/** Renders a key value the way mongod prints it in E11000 messages. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  if (value && typeof value === 'object') {
    const parts = Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v)}`);
    return parts.length ? `{ ${parts.join(', ')} }` : '{}';
  }
  return String(value);
}

/** Default index name: {a: 1, b: -1} becomes "a_1_b_-1". */
export function defaultIndexName(key: Record<string, number>): string {
  return Object.entries(key).map(([k, v]) => `${k}_${v}`).join('_');
}
