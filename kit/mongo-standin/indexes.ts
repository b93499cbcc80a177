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

export class Index {
  readonly spec: IndexSpec;
  readonly fields: string[];
  readonly dirs: number[];
  entries: IndexEntry[] = [];
  /** Set once an indexed field holds an array; the planner then stops trusting this index's order. */
  multikey = false;

  constructor(spec: IndexSpec) {
    this.spec = spec;
    this.fields = Object.keys(spec.key);
    this.dirs = this.fields.map((f) => (Number(spec.key[f]) < 0 ? -1 : 1));
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

  #compareEntry(a: IndexEntry, b: IndexEntry): number {
    return this.compareKeys(a.key, b.key) || a.rid - b.rid;
  }

  /** First position whose entry is not before `probe` (binary search). */
  #lowerBound(probe: IndexEntry): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compareEntry(this.entries[mid]!, probe) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Throws the real E11000 error if another record already holds this key. */
  checkUnique(ns: string, doc: Doc, rid: number): void {
    if (!this.spec.unique) return;
    const key = this.keyOf(doc);
    if (!key) return;
    const at = this.#lowerBound({ key, rid: -Infinity });
    for (let i = at; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (this.compareKeys(entry.key, key) !== 0) break;
      if (entry.rid !== rid) throw this.duplicateError(ns, key);
    }
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
    const entry = { key, rid };
    const last = this.entries[this.entries.length - 1];
    // Fast path: ObjectIds and timestamps mostly arrive in ascending order.
    if (!last || this.#compareEntry(last, entry) < 0) this.entries.push(entry);
    else this.entries.splice(this.#lowerBound(entry), 0, entry);
  }

  remove(doc: Doc, rid: number): void {
    const key = this.keyOf(doc);
    if (!key) return;
    const at = this.#lowerBound({ key, rid });
    if (this.entries[at]?.rid === rid) this.entries.splice(at, 1);
  }

  /** First entry position for which `before` is false; `before` must hold for a prefix of the entries. */
  partitionPoint(before: (entry: IndexEntry) => boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.entries[mid]!)) lo = mid + 1;
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
 * MongoDB's value order (mingo's compare), with fast paths for the common same-type keys:
 * ObjectIds compare by their bytes, which is the order of their hex strings.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof ObjectId && b instanceof ObjectId) return Buffer.compare(a.id, b.id);
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
