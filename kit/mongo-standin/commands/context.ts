// What every command handler gets: the member's data and cursors, and its place in the replica set.
import type { Timestamp } from 'bson';
import type { CursorRegistry } from '../cursors.ts';
import { BSON } from 'bson';
import { aggregate } from 'mingo';
import { CommandError, unsupported, type Doc } from '../errors.ts';
import type { DocumentSequence } from '../framing.ts';
import type { Store } from '../store.ts';

export interface MemberState {
  readonly role: 'standalone' | 'primary' | 'secondary';
  /** Replica-set fields of `hello` (setName, hosts, primary, me, ...); empty for a standalone. */
  topology(): Doc;
  /** Time of the last write this member has applied; undefined for a standalone. */
  optime(): Timestamp | undefined;
  /** Resolves once this member has applied writes up to `time` (causally consistent reads). */
  waitForOptime(time: Timestamp): Promise<void>;
  /** Resolves once the secondaries have applied everything written so far (w: "majority" or w > 1). */
  waitForReplication(): Promise<void>;
  /**
   * The primary's data, on a secondary: an aggregate with `$out`/`$merge` that a secondary runs
   * (MongoDB 5.0+) reads there and writes on the primary. Absent on the primary and a standalone.
   */
  primaryStore?(): Store;
}

export interface Context {
  store: Store;
  cursors: CursorRegistry;
  member: MemberState;
  db: string;
  connectionId: number;
}

export type Handler = (cmd: Doc, ctx: Context) => Doc | Promise<Doc>;

/** The collection a command names in its first field, e.g. `{ find: "users" }`. */
export function collectionName(cmd: Doc, command: string): string {
  const name = cmd[command];
  if (typeof name !== 'string' || name === '') {
    throw new CommandError('InvalidNamespace', `collection name has invalid type ${name === null ? 'null' : typeof name} in ${command}`);
  }
  return name;
}

export function optionalDoc(cmd: Doc, field: string): Doc | undefined {
  const value = cmd[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${Array.isArray(value) ? 'array' : typeof value}', expected type 'object'`);
  }
  return value as Doc;
}

export function optionalCount(cmd: Doc, field: string): number | undefined {
  const value = cmd[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CommandError('TypeMismatch', `BSON field '${field}' is the wrong type '${typeof value}', expected a number`);
  }
  return Math.trunc(value);
}

export function nonNegative(cmd: Doc, field: string): number | undefined {
  const value = optionalCount(cmd, field);
  if (value !== undefined && value < 0) throw new CommandError('BadValue', `${field} value must be non-negative, but received: ${value}`);
  return value;
}

/** Collation changes how strings compare everywhere; the stand-in refuses it rather than ignore it. */
export function refuseCollation(where: Doc, command: string): void {
  if (where.collation !== undefined && where.collation !== null) throw unsupported(`collation (on ${command})`);
}

/**
 * The command's `let` document. mongod evaluates each value as a constant expression once per
 * command (`{ $literal: '$x' }` is the string '$x', `{ $rand: {} }` one number); mingo takes
 * variables as given, so they are evaluated here.
 */
export function letVariables(cmd: Doc): Doc | undefined {
  const raw = optionalDoc(cmd, 'let');
  if (!raw || Object.keys(raw).length === 0) return undefined;
  return aggregate([{}], [{ $replaceWith: { $literal: {} } }, { $set: raw }])[0] as Doc;
}

/**
 * A command's list of statements or documents as objects. Lists sent as an OP_MSG document
 * sequence arrive as BSON bytes (framing.ts); they are decoded here, where they are used.
 */
export function decodeSequence(list: unknown[] | DocumentSequence): Doc[] {
  return Array.from({ length: list.length }, (_, i) => list.at(i)).map((item) => {
    if (!Buffer.isBuffer(item)) return item as Doc;
    try {
      return BSON.deserialize(item);
    } catch (err) {
      throw new CommandError('BadValue', `invalid BSON document: ${(err as Error).message}`);
    }
  });
}
