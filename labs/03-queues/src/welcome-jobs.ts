import type { Queue } from "bullmq";
import type { RetrySettings } from "./config.ts";
import type { WelcomeEmailJob } from "./queue.ts";

/** Add one welcome email to the queue; the worker in src/worker.ts sends it. */
export async function enqueueWelcomeEmail(queue: Queue<WelcomeEmailJob>, job: WelcomeEmailJob, retry: RetrySettings): Promise<void> {
  // TODO(2): As written, a job is tried once and BullMQ gives it a fresh id each time. Pass job options:
  //   - a jobId built from job.userId, so adding the same user twice stores one job
  //     (BullMQ refuses ids that are plain integers or contain ":"; use e.g. "welcome-<userId>");
  //   - attempts and an exponential backoff from `retry`;
  //   - keep failed jobs for inspection, and only a bounded number of completed ones.
  await queue.add("welcome", job);
}
