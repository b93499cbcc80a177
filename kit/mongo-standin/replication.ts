// The simulated replica set: one primary and two secondaries, each with its own store. Every change
// the primary makes goes into an oplog; the secondaries apply it `lagMs` later, so a read routed
// to a secondary inside that window sees the old data, just as with a lagging real secondary.
import { ObjectId, Timestamp } from 'bson';
import type { MemberState } from './commands/context.ts';
import type { Doc } from './errors.ts';
import { Store, applyOp, type OplogOp } from './store.ts';

const order = (ts: Timestamp) => (BigInt(ts.t) << 32n) | BigInt(ts.i);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

export const standalone: MemberState = {
  role: 'standalone',
  topology: () => ({}),
  optime: () => undefined,
  waitForOptime: async () => {},
  waitForReplication: async () => {},
};

interface Pending { due: number; ts: Timestamp; op: OplogOp }
interface Waiter { target: bigint; resolve: () => void }

export class ReplicaSet {
  readonly name: string;
  readonly lagMs: number;
  /** Filled in once the three listeners know their ports. */
  hosts: string[] = [];
  readonly stores: Store[] = [new Store(), new Store(), new Store()];
  readonly members: MemberState[];
  readonly #electionId = new ObjectId();
  readonly #queue: Pending[] = [];
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #primaryTime = new Timestamp({ t: Math.floor(Date.now() / 1000), i: 0 });
  #secondaryTime = this.#primaryTime;
  #lastWriteDate = new Date();

  constructor(name: string, lagMs: number) {
    this.name = name;
    this.lagMs = lagMs;
    this.stores[0]!.listener = (op) => this.#record(op);
    this.members = [0, 1, 2].map((i) => this.#member(i));
  }

  #member(i: number): MemberState {
    const primary = i === 0;
    return {
      role: primary ? 'primary' : 'secondary',
      topology: () => this.#topology(i),
      optime: () => (primary ? this.#primaryTime : this.#secondaryTime),
      // The primary has everything; a secondary waits until its oplog application catches up.
      // A time beyond the primary's (gossiped from elsewhere) is clamped so the wait always ends.
      waitForOptime: (time) => (primary ? Promise.resolve() : this.#waitFor(min(order(time), order(this.#primaryTime)))),
      waitForReplication: () => this.#waitFor(order(this.#primaryTime)),
      ...(primary ? {} : { primaryStore: () => this.stores[0]! }),
    };
  }

  #topology(i: number): Doc {
    const fields: Doc = {
      setName: this.name,
      setVersion: 1,
      hosts: this.hosts,
      primary: this.hosts[0],
      me: this.hosts[i],
      secondary: i !== 0,
      lastWrite: { lastWriteDate: i === 0 ? this.#lastWriteDate : new Date(Number(order(this.#secondaryTime) >> 32n) * 1000) },
    };
    if (i === 0) fields.electionId = this.#electionId;
    return fields;
  }

  #nextTime(): Timestamp {
    const now = Math.floor(Date.now() / 1000);
    const last = this.#primaryTime;
    return now > last.t ? new Timestamp({ t: now, i: 1 }) : new Timestamp({ t: last.t, i: last.i + 1 });
  }

  #record(op: OplogOp): void {
    const ts = this.#nextTime();
    this.#primaryTime = ts;
    this.#lastWriteDate = new Date();
    this.#queue.push({ due: Date.now() + this.lagMs, ts, op });
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#queue.length === 0) return;
    const wait = Math.max(0, this.#queue[0]!.due - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drain();
    }, wait);
  }

  /** Applies every change whose lag has elapsed to both secondaries, in primary order. */
  #drain(): void {
    const now = Date.now();
    while (this.#queue.length && this.#queue[0]!.due <= now) {
      const { ts, op } = this.#queue.shift()!;
      for (const store of this.stores.slice(1)) {
        try {
          applyOp(store, op);
        } catch {
          // A change the primary accepted cannot conflict on a secondary; ignore if it somehow does.
        }
      }
      this.#secondaryTime = ts;
    }
    const applied = order(this.#secondaryTime);
    const ready = this.#waiters.filter((w) => w.target <= applied);
    this.#waiters = this.#waiters.filter((w) => w.target > applied);
    ready.forEach((w) => w.resolve());
    this.#schedule();
  }

  #waitFor(target: bigint): Promise<void> {
    if (target <= order(this.#secondaryTime)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ target, resolve }));
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#waiters.forEach((w) => w.resolve());
    this.#waiters = [];
  }
}
