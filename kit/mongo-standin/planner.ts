// Runs a find: picks an index when the sort or a range on its leading field lets it help, walks
// the index in order and stops as soon as skip + limit are satisfied. The counters it returns are
// the keys and documents really touched, which is what `explain("executionStats")` reports.
import { Query, find as mingoFind } from 'mingo';
import { compare } from 'mingo/util';
import { CommandError, type Doc } from './errors.ts';
import { compareValues, defaultIndexName, type Index, type IndexEntry } from './indexes.ts';
import type { Collection } from './store.ts';
import { encodeNames, pickFields } from './bson-bytes.ts';

export interface FindSpec {
  filter?: Doc;
  sort?: Record<string, number>;
  skip?: number;
  limit?: number;
  hint?: unknown;
  /** `let` variables, readable as $$name in $expr. */
  variables?: Doc;
}

export interface FindResult {
  /** Record ids of the result, in result order. */
  rids: number[];
  /** The result documents, decoded (fresh objects the caller may change). */
  docs(): Doc[];
  docsExamined: number;
  keysExamined: number;
  plan: Doc;
}

interface Bound { value: unknown; inclusive: boolean }
interface Range { lo?: Bound; hi?: Bound; equality: boolean }

const isPlainObject = (v: unknown): v is Doc =>
  v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** Bounds on one field from the filter's top level; undefined when the condition cannot bound a scan. */
function rangeFor(condition: unknown): Range | undefined {
  if (condition === undefined || Array.isArray(condition) || condition instanceof RegExp) return undefined;
  if (!isPlainObject(condition) || !Object.keys(condition).some((k) => k.startsWith('$'))) {
    return { lo: { value: condition, inclusive: true }, hi: { value: condition, inclusive: true }, equality: true };
  }
  const range: Range = { equality: false };
  for (const [op, value] of Object.entries(condition)) {
    if (op === '$eq') return rangeFor(value);
    if (op === '$gt' || op === '$gte') range.lo = { value, inclusive: op === '$gte' };
    if (op === '$lt' || op === '$lte') range.hi = { value, inclusive: op === '$lte' };
  }
  return range.lo || range.hi ? range : undefined;
}

const tighter = (a: Bound | undefined, b: Bound | undefined, sign: number): Bound | undefined => {
  if (!a || !b) return a ?? b;
  const c = compare(a.value, b.value) * sign;
  return c > 0 ? a : c < 0 ? b : { value: a.value, inclusive: a.inclusive && b.inclusive };
};
const looser = (a: Bound | undefined, b: Bound | undefined, sign: number): Bound | undefined => {
  if (!a || !b) return undefined;
  const c = compare(a.value, b.value) * sign;
  return c < 0 ? a : c > 0 ? b : { value: a.value, inclusive: a.inclusive || b.inclusive };
};

/**
 * Bounds on `field` implied by the whole filter, following $and (intersection) and $or (the union
 * of the branches, loosened to one interval). Keyset pagination's
 * `{ $or: [{ t: { $lt: x } }, { t: x, _id: { $lt: id } }] }` thus still starts the walk at x.
 */
function rangeInFilter(filter: Doc, field: string): Range | undefined {
  let range = rangeFor(filter[field]);
  const meet = (other: Range | undefined) => {
    if (!other) return;
    range = range
      ? { lo: tighter(range.lo, other.lo, 1), hi: tighter(range.hi, other.hi, -1), equality: range.equality && other.equality }
      : other;
  };
  if (Array.isArray(filter.$and)) filter.$and.forEach((part) => meet(isPlainObject(part) ? rangeInFilter(part, field) : undefined));
  if (Array.isArray(filter.$or) && filter.$or.length) {
    const branches = filter.$or.map((part) => (isPlainObject(part) ? rangeInFilter(part, field) : undefined));
    if (branches.every(Boolean)) {
      meet(branches.reduce((a, b) => ({ lo: looser(a!.lo, b!.lo, 1), hi: looser(a!.hi, b!.hi, -1), equality: false })));
    }
  }
  return range && (range.lo || range.hi) ? range : undefined;
}

interface Choice { index: Index; range?: Range; backward: boolean; providesSort: boolean }

function chooseIndex(coll: Collection, spec: FindSpec, sortFields: string[]): Choice | undefined {
  const filter = spec.filter ?? {};
  const usable = [...coll.indexes.values()].filter((ix) => !ix.multikey);
  if (spec.hint !== undefined && spec.hint !== null) {
    if (isPlainObject(spec.hint) && '$natural' in spec.hint) return undefined;
    const name = typeof spec.hint === 'string' ? spec.hint : defaultIndexName(spec.hint as Record<string, number>);
    const index = coll.indexes.get(name);
    if (!index) throw new CommandError('BadValue', `error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index`);
    // Bounds assume one scalar per entry; a multikey index is walked whole (the filter still decides).
    const range = index.multikey ? undefined : rangeInFilter(filter, index.fields[0]!);
    return { index, range, backward: false, providesSort: sortFields.length === 0 };
  }
  if (sortFields.length) {
    for (const index of usable) {
      if (!sortFields.every((f, i) => index.fields[i] === f)) continue;
      const flips = sortFields.map((f, i) => Math.sign(spec.sort![f]!) !== index.dirs[i]);
      if (flips.every(Boolean) || flips.every((x) => !x)) {
        return { index, range: rangeInFilter(filter, index.fields[0]!), backward: flips[0]!, providesSort: true };
      }
    }
  }
  let best: Choice | undefined;
  for (const index of usable) {
    const range = rangeInFilter(filter, index.fields[0]!);
    if (!range) continue;
    if (!best || (range.equality && !best.range!.equality) || (index.spec.unique && range.equality)) {
      best = { index, range, backward: false, providesSort: sortFields.length === 0 };
    }
  }
  return best;
}

/** The [start, end) slice of index entries whose leading key lies within the range. */
function slice(index: Index, range: Range | undefined): [number, number] {
  if (!range) return [0, index.size];
  const dir = index.dirs[0]!;
  const cmp = (e: IndexEntry, b: Bound) => compareValues(e.key[0], b.value) * dir;
  const [first, last] = dir > 0 ? [range.lo, range.hi] : [range.hi, range.lo];
  const start = first ? index.partitionPoint((e) => { const c = cmp(e, first); return c < 0 || (c === 0 && !first.inclusive); }) : 0;
  const end = last ? index.partitionPoint((e) => { const c = cmp(e, last); return c < 0 || (c === 0 && last.inclusive); }) : index.size;
  return [start, Math.max(start, end)];
}

/** True when the filter mentions only the index's fields, with conditions the key values can decide. */
function coversFilter(index: Index, filter: Doc): boolean {
  const text = JSON.stringify(filter);
  // Missing and null share an index key, so existence and type tests need the document.
  if (/"\$(exists|type|where|expr|jsonSchema|text|elemMatch|size|all)"/.test(text)) return false;
  return Object.entries(filter).every(([field, condition]) =>
    index.fields.includes(field) && !Array.isArray(condition) && !(condition instanceof RegExp && index.multikey));
}

/** A stand-in document holding just the key's values, for evaluating a covered filter. */
function keyDocument(index: Index, key: unknown[]): Doc {
  const doc: Doc = {};
  index.fields.forEach((field, i) => {
    const parts = field.split('.');
    let node = doc;
    parts.slice(0, -1).forEach((part) => (node = (node[part] ??= {}) as Doc));
    node[parts[parts.length - 1]!] = key[i];
  });
  return doc;
}

/** Sorts in memory when no index gave the order, then applies what is left of skip and limit. */
function sortSkipLimit(rids: number[], decode: (rid: number) => Doc, spec: FindSpec, sorted: boolean): number[] {
  if (!sorted && spec.sort && Object.keys(spec.sort).length) {
    const ridOf = new Map<Doc, number>(rids.map((rid) => [decode(rid), rid]));
    const order = mingoFind([...ridOf.keys()], {}).sort(spec.sort as Record<string, 1 | -1>).all() as Doc[];
    rids = order.map((doc) => ridOf.get(doc)!);
  }
  const start = spec.skip ?? 0;
  return rids.slice(start, spec.limit ? start + spec.limit : undefined);
}

/** Operators whose conditions may read any field of the document. */
const WHOLE_DOCUMENT = new Set(['$expr', '$where', '$jsonSchema', '$text', '$function']);

/**
 * The top-level fields a filter reads, or undefined when it may read the whole document. Fields
 * under a dotted path count by their first segment; $and/$or/$nor are followed.
 */
function filterFields(filter: Doc): Set<string> | undefined {
  const names = new Set<string>();
  const visit = (part: Doc): boolean => {
    for (const [key, value] of Object.entries(part)) {
      if (WHOLE_DOCUMENT.has(key)) return false;
      if (key === '$and' || key === '$or' || key === '$nor') {
        if (!Array.isArray(value) || !value.every((branch) => isPlainObject(branch) && visit(branch))) return false;
      } else if (key.startsWith('$')) {
        if (key !== '$comment') return false;
      } else {
        names.add(key.split('.')[0]!);
      }
    }
    return true;
  };
  return visit(filter) ? names : undefined;
}

export function runFind(coll: Collection | undefined, spec: FindSpec): FindResult {
  const skip = spec.skip ?? 0;
  const limit = spec.limit ?? 0;
  // Parsed before anything else so that a bad filter fails even on a missing collection, as in mongod.
  const query = new Query(spec.filter ?? {}, spec.variables ? { variables: spec.variables } : undefined);
  if (!coll) return { rids: [], docs: () => [], docsExamined: 0, keysExamined: 0, plan: { stage: 'EOF' } };
  const decoded = new Map<number, Doc>();
  const decode = (rid: number) => {
    let doc = decoded.get(rid);
    if (!doc) decoded.set(rid, (doc = coll.doc(rid)!));
    return doc;
  };
  // The filter is tested on just the fields it names, decoded from the stored bytes.
  const named = filterFields(spec.filter ?? {});
  const fields = named && encodeNames(named);
  const matches = (rid: number) => query.test(fields ? pickFields(coll.records.get(rid)!, fields) ?? decode(rid) : decode(rid));
  const matchesAll = Object.keys(spec.filter ?? {}).length === 0;
  const sortFields = Object.keys(spec.sort ?? {}).filter((f) => f !== '$natural');
  const choice = chooseIndex(coll, spec, sortFields);
  let docsExamined = 0;
  let keysExamined = 0;
  const matched: number[] = [];
  let skippedByIndex = 0;
  let skipPlanned = false;
  // With the order already right, we can stop once skip + limit documents have matched.
  const enough = (ordered: boolean) => ordered && limit > 0 && skippedByIndex + matched.length >= skip + limit;
  let plan: Doc;

  if (choice) {
    const { index, backward } = choice;
    const [start, end] = slice(index, choice.range);
    // Like mongod (SERVER-13946): when the index keys alone decide the filter, skipped entries
    // are never fetched, so a deep skip costs keys examined rather than documents examined.
    const keyOnly = coversFilter(index, spec.filter ?? {});
    const keyTest = keyOnly && Object.keys(spec.filter ?? {}).length > 0;
    const skipBelowFetch = keyOnly && choice.providesSort;
    for (let n = 0; n < end - start; n++) {
      const entry = index.entry(backward ? end - 1 - n : start + n);
      keysExamined++;
      if (keyTest && !query.test(keyDocument(index, entry.key))) continue;
      if (skipBelowFetch && skippedByIndex < skip) {
        skippedByIndex++;
        continue;
      }
      docsExamined++;
      if (keyOnly || matchesAll || matches(entry.rid)) matched.push(entry.rid);
      if (enough(choice.providesSort)) break;
    }
    const ixscan: Doc = { stage: 'IXSCAN', keyPattern: { ...index.spec.key }, indexName: index.spec.name, isMultiKey: false,
      isUnique: Boolean(index.spec.unique), direction: backward ? 'backward' : 'forward' };
    skipPlanned = skipBelowFetch && skip > 0;
    plan = skipPlanned
      ? { stage: 'FETCH', inputStage: { stage: 'SKIP', skipAmount: skip, inputStage: ixscan } }
      : { stage: 'FETCH', ...(keyOnly ? {} : { filter: spec.filter }), inputStage: ixscan };
  } else {
    const ordered = sortFields.length === 0;
    // An empty filter needs no document decoded: the bytes go back to the client as stored.
    for (const rid of coll.records.rids()) {
      docsExamined++;
      if (matchesAll || matches(rid)) matched.push(rid);
      if (enough(ordered)) break;
    }
    plan = { stage: 'COLLSCAN', ...(spec.filter && Object.keys(spec.filter).length ? { filter: spec.filter } : {}), direction: 'forward' };
  }
  const sorted = choice ? choice.providesSort : sortFields.length === 0;
  if (!sorted) plan = { stage: 'SORT', sortPattern: spec.sort, memLimit: 104857600, type: 'simple', inputStage: plan };
  if (skip && !skipPlanned) plan = { stage: 'SKIP', skipAmount: skip, inputStage: plan };
  if (limit) plan = { stage: 'LIMIT', limitAmount: limit, inputStage: plan };
  const rest = { ...spec, skip: skip - skippedByIndex };
  const rids = sortSkipLimit(matched, decode, rest, sorted);
  return { rids, docs: () => rids.map(decode), docsExamined, keysExamined, plan };
}
