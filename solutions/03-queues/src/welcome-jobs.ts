import type { Queue } from "bullmq";
import type { RetrySettings } from "./config.ts";
import type { WelcomeEmailJob } from "./queue.ts";

/** Add one welcome email to the queue; the worker in src/worker.ts sends it. */
export async function enqueueWelcomeEmail(queue: Queue<WelcomeEmailJob>, job: WelcomeEmailJob, retry: RetrySettings): Promise<void> {
  await queue.add("welcome", job, {
    // One id per user: while a job with this id exists, BullMQ ignores another add with the same
    // id, so a retried request or a double enqueue cannot queue a second email.
    jobId: `welcome-${job.userId}`,
    // Provider outages are usually short: retry, waiting delay, 2×delay, 4×delay... so a struggling
    // provider is not hammered by every worker at once.
    attempts: retry.attempts,
    backoff: { type: "exponential", delay: retry.backoffDelayMs },
    // Completed jobs are only history: keep a bounded amount so Redis memory stays flat.
    removeOnComplete: { count: 1000, age: 24 * 60 * 60 },
    // Jobs that failed for good are kept so someone can inspect the error and retry them.
    removeOnFail: false,
  });
}
