/**
 * A UserRepository in memory whose reads the test can hold open or fail, so races and failures
 * happen in an exact order instead of depending on timing.
 */
import type { User, UserPatch, UserRepository } from "../src/user-repository.ts";

export interface Gate {
  /** Resolves once a findById has reached the gate. */
  reached: Promise<void>;
  /** Let the held reads answer with what the store held when they started. */
  release(): void;
  /** Make the held reads reject with this error. */
  fail(error: Error): void;
}

export interface ScriptedRepo extends UserRepository {
  users: Map<string, User>;
  /** findById calls so far. */
  finds: number;
  /** Hold every findById that starts from now on at one gate, until released or failed. */
  hold(): Gate;
  /** Stop holding new reads (reads already at the gate stay there). */
  open(): void;
}

export function scriptedRepo(users: User[]): ScriptedRepo {
  let gate: { wait: Promise<void>; arrived: () => void } | undefined;
  const repo: ScriptedRepo = {
    users: new Map(users.map((u) => [u.id, { ...u }])),
    finds: 0,
    async findById(id) {
      repo.finds++;
      const snapshot = repo.users.get(id);
      const copy = snapshot ? { ...snapshot } : null;
      if (gate) {
        gate.arrived();
        await gate.wait;
      }
      return copy;
    },
    async update(id: string, patch: UserPatch) {
      const current = repo.users.get(id);
      if (!current) return null;
      const next = { ...current, ...patch };
      repo.users.set(id, next);
      return { ...next };
    },
    hold() {
      let release!: () => void;
      let fail!: (error: Error) => void;
      let arrived!: () => void;
      const wait = new Promise<void>((resolve, reject) => {
        release = resolve;
        fail = reject;
      });
      wait.catch(() => {}); // the readers see the rejection; this copy must not count as unhandled
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      gate = { wait, arrived };
      return { reached, release, fail };
    },
    open() {
      gate = undefined;
    },
  };
  return repo;
}

/** n users with 24-hex ids, as the API would return them. */
export function fakeUsers(n: number, label: string): User[] {
  return Array.from({ length: n }, (_, i) => ({
    id: (0x650000000000000000000000n + BigInt(i) + BigInt(Math.floor(Math.random() * 1e9)) * 0x100000n).toString(16).padStart(24, "0").slice(-24),
    name: `${label} ${i + 1}`,
    email: `${label}-${i + 1}@example.test`,
  }));
}
