import type { Queue } from "bullmq";
import type { RetrySettings } from "./config.ts";
import type { WelcomeEmailJob } from "./queue.ts";

/** Add one welcome email to the queue; the worker in src/worker.ts sends it. */
export async function enqueueWelcomeEmail(queue: Queue<WelcomeEmailJob>, job: WelcomeEmailJob, retry: RetrySettings): Promise<void> {
  // TODO(2): As written, a job is tried once, BullMQ gives it a fresh id on every add, and Redis
  // keeps every finished job. Decide, when the job is added: how often and how patiently it is
  // retried (from `retry`), what makes two adds of one user the same job, and what is kept once it
  // is finished. The README lists what the tests check.
  await queue.add("welcome", job);
}
