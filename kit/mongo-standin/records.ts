// A collection's documents, kept as BSON bytes the way mongod's storage keeps them: appended to one
// growing arena and addressed by record id. Decoded JavaScript objects cost about three times their
// BSON size and keep the garbage collector busy; bytes cost their size, and a find without a
// projection sends them back to the client as they are, without serialising anything.
//
// Bytes are never overwritten: an update appends a new version and a deleted record leaves a hole,
// so a Buffer handed out by get() stays valid (cursors and secondaries may hold on to it). The holes
// are reclaimed by copying the live records into a fresh arena once they outweigh the live data.
import { BSON } from 'bson';
import type { Doc } from './errors.ts';

const FIRST_ARENA_BYTES = 64 * 1024;
/** Compaction only pays off for a while once the holes are this large. */
const MIN_GARBAGE_BYTES = 1024 * 1024;

export class RecordStore {
  #arena = Buffer.allocUnsafe(FIRST_ARENA_BYTES);
  #used = 0;
  /** Byte offset and length of record id `rid`; length -1 marks an empty slot. */
  #offset = new Float64Array(1024);
  #length = new Int32Array(1024).fill(-1);
  #slots = 0;
  #live = 0;
  #liveBytes = 0;

  get size(): number {
    return this.#live;
  }

  /** Total BSON bytes of the live records (collStats' `size`). */
  get bytes(): number {
    return this.#liveBytes;
  }

  /** Bytes the arena holds, old versions and deleted records included (collStats' `storageSize`). */
  get allocated(): number {
    return this.#used;
  }

  has(rid: number): boolean {
    return rid < this.#slots && this.#length[rid]! >= 0;
  }

  /**
   * Stores `bytes` under `rid` (a new record id, or an existing one being replaced) and returns
   * the stored copy. With `moveFirst` ([start, end) of one top-level element) that element is
   * written first, which is how an `_id` sent last becomes the first field without another copy.
   */
  put(rid: number, bytes: Buffer, moveFirst?: [number, number]): Buffer {
    if (rid >= this.#offset.length) this.#growSlots(rid + 1);
    if (this.has(rid)) this.delete(rid);
    if (this.#used + bytes.length > this.#arena.length) this.#reserve(bytes.length);
    if (moveFirst && moveFirst[0] > 4) {
      const [start, end] = moveFirst;
      let at = this.#used + bytes.copy(this.#arena, this.#used, 0, 4);
      at += bytes.copy(this.#arena, at, start, end);
      at += bytes.copy(this.#arena, at, 4, start);
      bytes.copy(this.#arena, at, end);
    } else {
      this.#arena.set(bytes, this.#used);
    }
    this.#offset[rid] = this.#used;
    this.#length[rid] = bytes.length;
    this.#used += bytes.length;
    this.#slots = Math.max(this.#slots, rid + 1);
    this.#live++;
    this.#liveBytes += bytes.length;
    return this.#arena.subarray(this.#offset[rid]!, this.#offset[rid]! + bytes.length);
  }

  delete(rid: number): void {
    if (!this.has(rid)) return;
    this.#liveBytes -= this.#length[rid]!;
    this.#length[rid] = -1;
    this.#live--;
  }

  /** The record's bytes (a view that stays valid), or undefined. */
  get(rid: number): Buffer | undefined {
    if (!this.has(rid)) return undefined;
    const start = this.#offset[rid]!;
    return this.#arena.subarray(start, start + this.#length[rid]!);
  }

  /** The record as a fresh JavaScript object the caller may keep or change. */
  doc(rid: number): Doc | undefined {
    const bytes = this.get(rid);
    return bytes ? BSON.deserialize(bytes) : undefined;
  }

  /** Record ids in natural (insertion) order. */
  *rids(): IterableIterator<number> {
    for (let rid = 0; rid < this.#slots; rid++) if (this.#length[rid]! >= 0) yield rid;
  }

  #growSlots(needed: number): void {
    const size = Math.max(needed, this.#offset.length * 2);
    const offset = new Float64Array(size);
    offset.set(this.#offset);
    const length = new Int32Array(size).fill(-1);
    length.set(this.#length);
    this.#offset = offset;
    this.#length = length;
  }

  /** Makes room for `extra` more bytes: compacts when holes dominate, else moves to a larger arena. */
  #reserve(extra: number): void {
    const garbage = this.#used - this.#liveBytes;
    const compact = garbage >= MIN_GARBAGE_BYTES && garbage > this.#liveBytes;
    const needed = (compact ? this.#liveBytes : this.#used) + extra;
    let capacity = this.#arena.length;
    while (capacity < needed * (compact ? 1.5 : 1)) capacity *= 2;
    const arena = Buffer.allocUnsafe(capacity);
    if (compact) {
      let at = 0;
      for (const rid of this.rids()) {
        const start = this.#offset[rid]!;
        const length = this.#length[rid]!;
        this.#arena.copy(arena, at, start, start + length);
        this.#offset[rid] = at;
        at += length;
      }
      this.#used = at;
    } else {
      this.#arena.copy(arena, 0, 0, this.#used);
    }
    // The old arena is not reused: views handed out earlier keep it alive for as long as they need it.
    this.#arena = arena;
  }
}
