// mongod refuses an update operator that meets the wrong type ($inc on a string, $push onto a
// non-array, $set through a scalar); mingo 7.2 instead leaves the field alone and reports success,
// which would teach a learner that broken code works. These checks run before mingo, on the
// document as it is, and raise mongod's codes.
//
// Minimal reproduction for mingo (a fix there would make most of this file unnecessary):
//   const d = { n: 'a' }; update(d, { $inc: { n: 1 } });   // returns [], d unchanged, no error
//   const e = { a: 3 };   update(e, { $set: { 'a.b': 1 } }); // returns [], e unchanged, no error
import { Decimal128, Double, Int32, Long } from 'bson';
import { CommandError, type Doc } from '../errors.ts';
import { formatValue } from '../indexes.ts';

/** Operators that create the path they name, and so fail when a scalar stands in the way. */
const CREATING = new Set(['$set', '$setOnInsert', '$inc', '$mul', '$min', '$max', '$push', '$addToSet', '$currentDate', '$bit']);

export const isNumber = (v: unknown) =>
  typeof v === 'number' || v instanceof Long || v instanceof Double || v instanceof Int32 || v instanceof Decimal128 || typeof v === 'bigint';

/** The BSON type name mongod uses in its messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 'int' : 'double';
  if (v instanceof Date) return 'date';
  const bsontype = (v as { _bsontype?: string })._bsontype;
  if (bsontype) return bsontype === 'ObjectId' ? 'objectId' : bsontype.toLowerCase();
  return 'object';
}

const shortId = (doc: Doc) => `{ _id: ${formatValue(doc._id)} }`;

/** Walks `path` in `doc`; returns the value at its end, or throws PathNotViable when `creating` and a scalar blocks it. */
function valueOnPath(doc: Doc, path: string, creating: boolean): unknown {
  const parts = path.split('.');
  let node: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (node === undefined) return undefined;
    const arrayStep = Array.isArray(node) && /^\d+$/.test(part);
    const objectStep = node !== null && typeof node === 'object' && !Array.isArray(node) && !(node as { _bsontype?: string })._bsontype && !(node instanceof Date);
    if (!arrayStep && !objectStep) {
      if (!creating) return undefined;
      throw new CommandError('PathNotViable', `Cannot create field '${part}' in element {${parts[i - 1] ?? ''}: ${formatValue(node)}}`);
    }
    node = (node as Doc)[part];
  }
  return node;
}

/** Refuses, with mongod's codes, every operator in `modifier` that does not fit the document's types. */
export function checkOperatorTypes(doc: Doc, modifier: Doc): void {
  for (const [op, fields] of Object.entries(modifier)) {
    for (const [path, arg] of Object.entries(fields as Doc)) {
      // Positional paths are resolved by mingo against the query; their elements are checked there.
      if (path.includes('$')) continue;
      const current = valueOnPath(doc, path, CREATING.has(op));
      const field = path.split('.').pop()!;
      if (op === '$inc' || op === '$mul') {
        const verb = op === '$inc' ? 'increment' : 'multiply';
        if (!isNumber(arg)) throw new CommandError('TypeMismatch', `Cannot ${verb} with non-numeric argument: {${path}: ${formatValue(arg)}}`);
        if (current !== undefined && !isNumber(current)) {
          throw new CommandError('TypeMismatch', `Cannot apply ${op} to a value of non-numeric type. ${shortId(doc)} has the field '${field}' of non-numeric type ${typeName(current)}`);
        }
      } else if (op === '$push' && current !== undefined && !Array.isArray(current)) {
        throw new CommandError('BadValue', `The field '${path}' must be an array but is of type ${typeName(current)} in document ${shortId(doc)}`);
      } else if (op === '$addToSet' && current !== undefined && !Array.isArray(current)) {
        throw new CommandError('BadValue', `Cannot apply $addToSet to non-array field. Field named '${field}' has non-array type ${typeName(current)}`);
      } else if (op === '$pop' && current !== undefined && !Array.isArray(current)) {
        throw new CommandError('TypeMismatch', `Path '${path}' contains an element of non-array type '${typeName(current)}'`);
      } else if ((op === '$pull' || op === '$pullAll') && current !== undefined && !Array.isArray(current)) {
        throw new CommandError('BadValue', `Cannot apply ${op} to a non-array value`);
      }
    }
  }
}

/** Identifiers used as `$[id]` in the modifier's paths. */
function identifiersIn(modifier: Doc): Map<string, string> {
  const found = new Map<string, string>();
  for (const fields of Object.values(modifier)) {
    for (const path of Object.keys(fields as Doc)) {
      for (const [, id] of path.matchAll(/\$\[([^\]]+)\]/g)) if (!found.has(id!)) found.set(id!, path);
    }
  }
  return found;
}

/** mongod checks `arrayFilters` against the paths before touching a document; so does this. */
export function checkArrayFilters(modifier: Doc, arrayFilters: Doc[] | undefined): void {
  const used = identifiersIn(modifier);
  const declared = new Set<string>();
  for (const filter of arrayFilters ?? []) {
    const ids = new Set(Object.keys(filter).filter((k) => !k.startsWith('$')).map((k) => k.split('.')[0]!));
    if (ids.size !== 1) throw new CommandError('FailedToParse', 'Error parsing array filter :: caused by :: Expected a single top-level field name');
    const [id] = ids;
    if (declared.has(id!)) throw new CommandError('FailedToParse', `Found multiple array filters with the same top-level field name ${id}`);
    declared.add(id!);
  }
  for (const [id, path] of used) {
    if (!declared.has(id)) throw new CommandError('BadValue', `No array filter found for identifier '${id}' in path '${path}'`);
  }
  for (const id of declared) {
    if (!used.has(id)) throw new CommandError('FailedToParse', `The array filter for identifier '${id}' was not used in the update ${formatValue(modifier)}`);
  }
}
