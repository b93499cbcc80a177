/**
 * The worker process: `node labs/03-queues/src/worker.ts`. It takes welcome-email jobs off the
 * queue and sends them, apart from the API, so a slow provider never slows a sign-up.
 */
import { Worker } from "bullmq";
import { readConfig } from "./config.ts";
import { createEmailClient } from "./email-client.ts";
import { WELCOME_QUEUE, redisOptions, type WelcomeEmailJob } from "./queue.ts";

const config = readConfig();
const email = createEmailClient(config.emailUrl);

const worker = new Worker<WelcomeEmailJob>(
  WELCOME_QUEUE,
  async (job) => {
    // The job id is the same on every run of this job (first try, retries, and a rerun after a
    // crash), so the provider sends at most one email for it even if we never saw its answer.
    await email.sendWelcome(job.data, { idempotencyKey: job.id });
  },
  {
    connection: redisOptions(config.redisUrl),
    prefix: config.namespace,
    concurrency: config.worker.concurrency,
    // A worker that dies stops renewing its job's lock; once the lock expires, the next stall
    // check (run by any live worker) puts the job back in the queue. Shorter values bring the job
    // back sooner, but the lock must outlast event-loop pauses or healthy jobs look stalled.
    lockDuration: config.worker.lockDurationMs,
    stalledInterval: config.worker.stalledIntervalMs,
  },
);
worker.on("failed", (job, error) => console.error(`job ${job?.id} attempt ${job?.attemptsMade} failed: ${error.message}`));

await worker.waitUntilReady();
console.log(`worker ready: queue ${WELCOME_QUEUE}, prefix ${config.namespace}, concurrency ${config.worker.concurrency}`);

// A deploy sends SIGTERM: stop taking jobs, let the running ones finish (close() waits for them),
// then exit. SIGINT does the same for Ctrl-C.
const shutdown = async (signal: string) => {
  console.log(`${signal}: closing the worker after its running jobs`);
  await worker.close();
  process.exit(0);
};
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
