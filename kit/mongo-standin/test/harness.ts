// Shared set-up for the compatibility suite: every behavioural test runs against the stand-in and,
// when MONGO_URL is set, against that real MongoDB too, so the suite checks MongoDB's behaviour
// rather than the stand-in's quirks.
import assert from 'node:assert/strict';
import { describe, test, before, after } from 'node:test';
import { MongoClient, type Db, type Document, type ObjectId } from 'mongodb';
import { startMongoStandin, type MongoStandin } from '../index.ts';

export interface Target {
  name: string;
  real: boolean;
  client: MongoClient;
  db: Db;
  uri: string;
}

const REAL_URL = process.env.MONGO_URL;
/** STANDIN_REPLSET=1 runs the stand-in pass against its three-member replica set instead of one server. */
const STANDIN_REPLSET = process.env.STANDIN_REPLSET === '1';

/** Short timeouts so a broken server fails a test instead of hanging it. */
export const clientOptions = { monitorCommands: true, serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000, socketTimeoutMS: 20000 };

let counter = 0;
export const uniqueName = (prefix: string) => `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`;

/**
 * Declares `body` once for the stand-in and once for the real MongoDB named by MONGO_URL.
 * Without MONGO_URL the real pass shows up as a skipped test with the reason.
 */
export function forEachTarget(title: string, body: (target: () => Target) => void): void {
  for (const real of [false, true]) {
    const label = `${title} [${real ? 'real MongoDB' : 'stand-in'}]`;
    if (real && !REAL_URL) {
      test(label, (t) => t.skip('MONGO_URL not set: the real-MongoDB pass of this suite is skipped'));
      continue;
    }
    describe(label, () => {
      let standin: MongoStandin | undefined;
      let current: Target | undefined;
      before(async () => {
        if (!real) standin = await startMongoStandin(STANDIN_REPLSET ? { replicaSet: { lagMs: 50 } } : {});
        const uri = real ? REAL_URL! : standin!.uri;
        const client = await new MongoClient(uri, clientOptions).connect();
        current = { name: real ? 'real' : 'stand-in', real, client, db: client.db(uniqueName('standin_test')), uri };
      });
      after(async () => {
        await current?.db.dropDatabase().catch(() => {});
        await current?.client.close();
        await standin?.close();
      });
      body(() => current!);
    });
  }
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface ExpectedError { code: number; codeName?: string; message?: RegExp }

/**
 * Asserts that `promise` rejects with a server error carrying mongod's code (and, when given, its
 * codeName and a message pattern), the way a learner's `catch (err)` would see it.
 */
export async function rejectsWith(promise: Promise<unknown>, expected: ExpectedError): Promise<void> {
  await assert.rejects(promise, (err: { code?: unknown; codeName?: unknown; errmsg?: unknown; message: string }) => {
    assert.equal(err.code, expected.code, `code of "${err.message}"`);
    if (expected.codeName) assert.equal(err.codeName, expected.codeName);
    if (expected.message) assert.match(err.message, expected.message);
    return true;
  });
}

/** A document shape that allows any `_id` (numbers, strings, null) and any fields, as the tests need. */
export type Loose = Document & { _id?: string | number | boolean | null | Date | RegExp | ObjectId | unknown[] | { [key: string]: unknown } };
