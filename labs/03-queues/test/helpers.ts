/**
 * Shared set-up for this lab's tests: a fake email provider in the test process, a queue under a
 * prefix of its own per test, and worker / API processes started from this lab's src/.
 */
import { randomBytes } from "node:crypto";
import type { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { startProcess, type RunningProcess } from "#kit/testing/index.ts";
import { startFakeEmailProvider, type FakeEmailProvider } from "../src/email-provider.ts";
import { createWelcomeQueue, WELCOME_QUEUE, type WelcomeEmailJob } from "../src/queue.ts";

export const workerEntry = new URL("../src/worker.ts", import.meta.url);
export const serverEntry = new URL("../src/server.ts", import.meta.url);

/** Short lock and stall-check times so a killed worker's job comes back in seconds, not 30 s. */
export const fastRecoveryEnv = { WORKER_LOCK_DURATION_MS: "2000", WORKER_STALLED_INTERVAL_MS: "1000" };

export interface Scene {
  provider: FakeEmailProvider;
  queue: Queue<WelcomeEmailJob>;
  /** The BullMQ prefix (and database name) of this scene. */
  prefix: string;
  /** Environment for processes that belong to this scene. */
  env: Record<string, string>;
  /** A plain Redis connection, to read what BullMQ stored (TTLs of locks and markers). */
  redis: Redis;
  startWorker(extra?: Record<string, string>): Promise<RunningProcess>;
  close(): Promise<void>;
}

/**
 * A provider, a queue and an environment of their own, so one test's jobs never reach another
 * test's worker. Everything it creates in Redis is removed by close().
 */
export async function openScene(base: { namespace: string; env: Record<string, string>; redisUrl: string }, label: string): Promise<Scene> {
  const provider = await startFakeEmailProvider();
  const prefix = `${base.namespace}_${label}`;
  const queue = createWelcomeQueue(base.redisUrl, prefix);
  const env = { ...base.env, WORKBOOK_NS: prefix, EMAIL_URL: provider.url, WORKER_CONCURRENCY: "1", ...fastRecoveryEnv };
  const processes: RunningProcess[] = [];
  const redis = new Redis(base.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  return {
    provider,
    queue,
    prefix,
    env,
    redis,
    async startWorker(extra = {}) {
      const worker = await startProcess({ entry: workerEntry, env: { ...env, ...extra }, readyPattern: /worker ready/, readyTimeoutMs: 20_000 });
      processes.push(worker);
      return worker;
    },
    async close() {
      // Every worker still running must exit by itself on SIGTERM (stop() rejects, naming it, if not).
      const stopped = await Promise.allSettled(processes.map((p) => p.stop()));
      await provider.close();
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      redis.disconnect();
      const failure = stopped.find((r) => r.status === "rejected");
      if (failure) throw failure.reason;
    },
  };
}

/** A user nobody else uses, as a welcome-email job. */
export function newUser(label: string): WelcomeEmailJob {
  const id = randomBytes(12).toString("hex");
  return { userId: id, email: `${label}-${id.slice(0, 8)}@example.test`, name: `Test ${label}` };
}

const liveStates = ["waiting", "active", "delayed", "prioritized", "waiting-children"] as const;
const allStates = [...liveStates, "completed", "failed"] as const;

/** Every job in the queue, whatever its state. */
export async function allJobs(queue: Queue<WelcomeEmailJob>): Promise<Job<WelcomeEmailJob>[]> {
  return (await queue.getJobs([...allStates])) as Job<WelcomeEmailJob>[];
}

export async function jobCount(queue: Queue<WelcomeEmailJob>): Promise<number> {
  return queue.getJobCountByTypes(...allStates);
}

/** Jobs still to run or running. */
export async function pendingCount(queue: Queue<WelcomeEmailJob>): Promise<number> {
  return queue.getJobCountByTypes(...liveStates);
}

/** Wait until no job is waiting or running and the provider has answered every request. */
export async function settle(scene: Scene): Promise<void> {
  await eventually(async () => ((await pendingCount(scene.queue)) === 0 ? true : undefined), "the queue is idle");
  await scene.provider.waitUntil(() => scene.provider.attempts.every((a) => a.outcome !== "pending"), "the provider answered every request");
}

/** Poll `check` every 100 ms until it returns a value; reject with `description` after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, description: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${description}`);
    await sleep(100);
  }
}

/** The job for this email address, in whatever state, or undefined. */
export async function jobFor(queue: Queue<WelcomeEmailJob>, email: string): Promise<Job<WelcomeEmailJob> | undefined> {
  return (await allJobs(queue)).find((job) => job.data.email === email);
}

export async function jobStateFor(queue: Queue<WelcomeEmailJob>, email: string): Promise<string> {
  const job = await jobFor(queue, email);
  return job ? await job.getState() : "missing";
}

/** The promise's value, or undefined if it takes longer than ms (the timer does not keep the process alive). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The job's state, where a job that was removed after its email went out counts as "completed"
 * (a solution may set removeOnComplete: true).
 */
export async function settledState(queue: Queue<WelcomeEmailJob>, provider: FakeEmailProvider, email: string): Promise<string> {
  const state = await jobStateFor(queue, email);
  return state === "missing" && provider.deliveriesTo(email).length > 0 ? "completed" : state;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** "failed, failed, delivered" — what the provider saw, for failure messages. */
export function describeAttempts(provider: FakeEmailProvider, email: string): string {
  const attempts = provider.attemptsTo(email);
  if (attempts.length === 0) return "no request reached the provider";
  const first = attempts[0]!.at;
  return attempts.map((a) => `${a.outcome} at +${a.at - first} ms`).join(", ");
}

/** The Redis key of one of the queue's entries, e.g. the lock of a job or the stall-check marker. */
export function queueKey(scene: Scene, ...parts: string[]): string {
  return [scene.prefix, WELCOME_QUEUE, ...parts].join(":");
}

/** PTTL of a key through the scene's own Redis connection: -2 when it does not exist, -1 when it has no expiry. */
export async function pttl(scene: Scene, key: string): Promise<number> {
  return scene.redis.pttl(key);
}
