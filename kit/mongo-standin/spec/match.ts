// The unified test format's rules for comparing an expected value with what the driver returned
// (source/unified-test-format, "Evaluating Matches"): extra fields allowed in root-level documents
// only, flexible numerics, and the special operators $$exists, $$type, $$unsetOrMatches,
// $$matchesEntity, $$matchesHexBytes and $$lte. A mismatch is reported as a path and a reason.

/** Looks up an entity by id for $$matchesEntity. */
export type EntityLookup = (id: string) => unknown;

const isBson = (v: unknown): v is { _bsontype: string } =>
  typeof v === 'object' && v !== null && typeof (v as { _bsontype?: unknown })._bsontype === 'string';

/** A plain document: not an array, a Date, a RegExp, a Map or a BSON value class. */
export function isDocument(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof RegExp)
    && !(v instanceof Map) && !isBson(v) && !(v instanceof Uint8Array);
}

/** The number a numeric value holds (JS number, bigint, Int32, Long, Double), or undefined. */
function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (isBson(v) && ['Int32', 'Long', 'Double'].includes(v._bsontype)) return Number((v as unknown as { valueOf(): number | bigint }).valueOf?.() ?? v);
  return undefined;
}

/** Every BSON type alias `v` can be, as the $$type operator names them. */
function typeAliases(v: unknown): string[] {
  if (v === null) return ['null'];
  if (v === undefined) return ['undefined'];
  if (typeof v === 'number') return Number.isInteger(v) ? ['int', 'long', 'double', 'number'] : ['double', 'number'];
  if (typeof v === 'bigint') return ['long', 'number'];
  if (typeof v === 'string') return ['string'];
  if (typeof v === 'boolean') return ['bool'];
  if (v instanceof Date) return ['date'];
  if (v instanceof RegExp) return ['regex'];
  if (Array.isArray(v)) return ['array'];
  if (isBson(v)) {
    const byType: Record<string, string[]> = {
      Int32: ['int', 'number'], Long: ['long', 'number'], Double: ['double', 'number'], Decimal128: ['decimal', 'number'],
      ObjectId: ['objectId'], Binary: ['binData'], UUID: ['binData'], Timestamp: ['timestamp'], BSONRegExp: ['regex'],
      MinKey: ['minKey'], MaxKey: ['maxKey'], Code: ['javascript', 'javascriptWithScope'], BSONSymbol: ['symbol'], DBRef: ['object'],
    };
    return byType[v._bsontype] ?? [v._bsontype];
  }
  return ['object'];
}

/** The canonical Extended JSON-like text of a scalar, for comparing BSON values of the same type. */
function scalarText(v: unknown): string {
  if (v instanceof Date) return `date:${v.getTime()}`;
  if (v instanceof RegExp) return `regex:${v.source}/${v.flags}`;
  if (isBson(v)) {
    const hex = (v as { toHexString?: () => string }).toHexString?.();
    if (hex !== undefined) return `${v._bsontype}:${hex}`;
    return `${v._bsontype}:${JSON.stringify((v as { toJSON?: () => unknown }).toJSON?.() ?? String(v))}`;
  }
  return `${typeof v}:${String(v)}`;
}

const show = (v: unknown) => {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
};

function operatorOf(expected: unknown): [string, unknown] | undefined {
  if (!isDocument(expected)) return undefined;
  const keys = Object.keys(expected);
  if (keys.length === 1 && keys[0]!.startsWith('$$')) return [keys[0]!, expected[keys[0]!]];
  return undefined;
}

/**
 * Returns undefined when `actual` matches `expected`, else "path: reason". `root` allows extra fields
 * in a document at this level (it is not inherited by nested documents).
 */
export function mismatch(expected: unknown, actual: unknown, opts: { root?: boolean; path?: string; entity?: EntityLookup } = {}): string | undefined {
  const path = opts.path ?? '$';
  const root = opts.root ?? false;
  const op = operatorOf(expected);
  if (op) {
    const [name, arg] = op;
    switch (name) {
      case '$$unsetOrMatches':
        return actual === undefined ? undefined : mismatch(arg, actual, { ...opts, path });
      case '$$exists':
        return (actual !== undefined) === arg ? undefined : `${path}: expected the field ${arg ? 'to exist' : 'to be absent'}, got ${show(actual)}`;
      case '$$type': {
        const wanted = Array.isArray(arg) ? (arg as string[]) : [arg as string];
        const has = typeAliases(actual);
        return wanted.some((t) => has.includes(t)) ? undefined : `${path}: expected type ${wanted.join('|')}, got ${has[0]} ${show(actual)}`;
      }
      case '$$matchesEntity':
        return mismatch(opts.entity?.(arg as string), actual, { ...opts, path });
      case '$$matchesHexBytes': {
        const bytes = actual instanceof Uint8Array ? actual : (actual as { buffer?: Uint8Array })?.buffer;
        const hex = bytes ? Buffer.from(bytes).toString('hex') : undefined;
        return hex === String(arg).toLowerCase() ? undefined : `${path}: expected bytes ${arg}, got ${hex}`;
      }
      case '$$lte': {
        const a = numeric(actual);
        const e = numeric(arg);
        return a !== undefined && e !== undefined && a <= e ? undefined : `${path}: expected <= ${show(arg)}, got ${show(actual)}`;
      }
      default:
        return `${path}: the runner does not support the operator ${name}`;
    }
  }
  if (isDocument(expected)) {
    const doc = actual instanceof Map ? Object.fromEntries(actual) : actual;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || isBson(doc) || doc instanceof Date) {
      return `${path}: expected a document ${show(expected)}, got ${show(actual)}`;
    }
    const got = doc as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) {
      const inner = operatorOf(value);
      const here = `${path}.${key}`;
      if (inner?.[0] === '$$exists') {
        const problem = mismatch(value, got[key], { ...opts, root: false, path: here });
        if (problem) return problem;
        continue;
      }
      if (inner?.[0] === '$$unsetOrMatches' && got[key] === undefined) continue;
      if (!(key in got) || got[key] === undefined) return `${here}: missing, expected ${show(value)}`;
      const problem = mismatch(value, got[key], { ...opts, root: false, path: here });
      if (problem) return problem;
    }
    if (!root) {
      const extra = Object.keys(got).filter((k) => got[k] !== undefined && !(k in expected));
      if (extra.length) return `${path}: unexpected field(s) ${extra.join(', ')} in ${show(got)}`;
    }
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${show(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} element(s), got ${actual.length}: ${show(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const problem = mismatch(expected[i], actual[i], { ...opts, root: false, path: `${path}[${i}]` });
      if (problem) return problem;
    }
    return undefined;
  }
  const e = numeric(expected);
  const a = numeric(actual);
  if (e !== undefined || a !== undefined) {
    return e === a ? undefined : `${path}: expected ${show(expected)}, got ${show(actual)}`;
  }
  if (expected === null || typeof expected !== 'object') {
    return expected === actual ? undefined : `${path}: expected ${show(expected)}, got ${show(actual)}`;
  }
  return scalarText(expected) === scalarText(actual) ? undefined : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

/** Matches an iterable result: each element is a root-level document. */
export function mismatchRoots(expected: unknown[], actual: unknown, entity?: EntityLookup): string | undefined {
  if (!Array.isArray(actual)) return `$: expected an array of ${expected.length} document(s), got ${show(actual)}`;
  if (actual.length !== expected.length) return `$: expected ${expected.length} document(s), got ${actual.length}: ${show(actual)}`;
  for (let i = 0; i < expected.length; i++) {
    const problem = mismatch(expected[i], actual[i], { root: true, path: `$[${i}]`, entity });
    if (problem) return problem;
  }
  return undefined;
}
