// Open cursors: the rest of a result set, handed out batch by batch through getMore.
import { BSON, Long } from 'bson';
import { CommandError, type Doc } from './errors.ts';
import { MAX_BSON_BYTES } from './framing.ts';

/** MongoDB's default first batch. */
const DEFAULT_FIRST_BATCH = 101;
/** Keep a batch's reply under the document size limit, leaving room for the envelope. */
const BATCH_BYTE_BUDGET = MAX_BSON_BYTES - 64 * 1024;

/** mongod's default cursorTimeoutMillis: idle cursors are reaped after ten minutes. */
const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** A result document: stored BSON bytes (returned as they are) or an object (projected, aggregated). */
export type ResultDoc = Doc | Buffer;

/**
 * A result set: an array, or a view that fetches each stored document only when its batch is sent
 * (a find over 100,000 documents then holds 100,000 record ids, not 100,000 Buffers). A document
 * deleted before its batch is skipped, as a yielding mongod query would.
 */
export interface ResultList { readonly length: number; at(i: number): ResultDoc | undefined }

interface OpenCursor { ns: string; docs: ResultList; pos: number; lastUsed: number }

export class CursorRegistry {
  readonly #open = new Map<number, OpenCursor>();
  // Start somewhere arbitrary so ids from different members rarely coincide.
  #nextId = 1 + Math.floor(Math.random() * 1e9);

  get size(): number {
    return this.#open.size;
  }

  /** Reply for find/aggregate/list*: the first batch, and a cursor id when more remain. */
  first(ns: string, docs: ResultList, batchSize: number | undefined, singleBatch = false): Doc {
    this.#reapIdle();
    const cursor: OpenCursor = { ns, docs, pos: 0, lastUsed: Date.now() };
    const firstBatch = take(cursor, batchSize ?? DEFAULT_FIRST_BATCH);
    let id = 0;
    if (cursor.pos < docs.length && !singleBatch) {
      id = this.#nextId++;
      this.#open.set(id, cursor);
    }
    return { cursor: { firstBatch, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  more(id: number, ns: string, batchSize: number | undefined): Doc {
    const cursor = this.#open.get(id);
    if (!cursor || cursor.ns !== ns) throw new CommandError('CursorNotFound', `cursor id ${id} not found`);
    cursor.lastUsed = Date.now();
    const nextBatch = take(cursor, batchSize || Infinity);
    if (cursor.pos >= cursor.docs.length) {
      this.#open.delete(id);
      id = 0;
    }
    return { cursor: { nextBatch, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  kill(ids: number[]): Doc {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const id of ids) (this.#open.delete(id) ? killed : notFound).push(Long.fromNumber(id));
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  #reapIdle(): void {
    const cutoff = Date.now() - IDLE_TIMEOUT_MS;
    for (const [id, cursor] of this.#open) if (cursor.lastUsed < cutoff) this.#open.delete(id);
  }

  clear(): void {
    this.#open.clear();
  }
}

function take(cursor: OpenCursor, count: number): ResultDoc[] {
  const batch: ResultDoc[] = [];
  let bytes = 0;
  while (batch.length < count && cursor.pos < cursor.docs.length) {
    const doc = cursor.docs.at(cursor.pos);
    if (doc === undefined) {
      cursor.pos++;
      continue;
    }
    bytes += Buffer.isBuffer(doc) ? doc.length : BSON.calculateObjectSize(doc);
    if (batch.length > 0 && bytes > BATCH_BYTE_BUDGET) break;
    batch.push(doc);
    cursor.pos++;
  }
  return batch;
}
