// Projections for find and findAndModify. mingo applies them; mongod's rule that one projection
// is either inclusive or exclusive (only _id may differ) is checked here first, because mingo
// reports a mix with its own wording and without telling which field broke the rule.
import { find as mingoFind } from 'mingo';
import { CommandError, type Doc } from '../errors.ts';

const isPlainObject = (v: unknown): v is Doc => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** Throws 31254 (exclusion in an inclusion projection) or 31253 (the reverse), naming the field as mongod does. */
export function checkProjection(projection: Doc): void {
  let style: 'inclusion' | 'exclusion' | undefined;
  const visit = (spec: Doc, prefix: string) => {
    for (const [key, value] of Object.entries(spec)) {
      const path = prefix + key;
      if (path === '_id') continue;
      let kind: 'inclusion' | 'exclusion' | undefined;
      if (isPlainObject(value)) {
        const keys = Object.keys(value);
        // Operators ($slice, $elemMatch, expressions) take no side; a nested spec is checked field by field.
        if (keys.length && !keys[0]!.startsWith('$')) visit(value, `${path}.`);
        if (keys.length === 0) throw CommandError.location(51270, `An empty sub-projection is not a valid value. Found empty object at path ${path}`);
        if (keys[0]!.startsWith('$') && !['$slice', '$elemMatch'].includes(keys[0]!)) kind = 'inclusion';
      } else if (typeof value === 'boolean' || typeof value === 'number') {
        kind = value ? 'inclusion' : 'exclusion';
      } else {
        kind = 'inclusion'; // a literal or "$field" computes a value
      }
      if (!kind) continue;
      if (style && style !== kind) {
        throw kind === 'exclusion'
          ? CommandError.location(31254, `Cannot do exclusion on field ${path} in inclusion projection`)
          : CommandError.location(31253, `Cannot do inclusion on field ${path} in exclusion projection`);
      }
      style = kind;
    }
  };
  visit(projection, '');
}

export function project(docs: Doc[], filter: Doc | undefined, projection: Doc | undefined, variables: Doc | undefined): Doc[] {
  if (!projection || Object.keys(projection).length === 0) return docs;
  checkProjection(projection);
  // The filter rides along because positional projection ("a.$") needs it.
  return mingoFind(docs, filter ?? {}, projection, { variables }).all() as Doc[];
}
