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
    // TODO(4): If this worker dies after the provider sent the email but before the job is marked
    // done, the job runs again. Pass the provider an idempotency key that is the same on every run
    // of this job (see SendOptions in ./email-client.ts) so a rerun cannot send a second email.
    await email.sendWelcome(job.data);
  },
  {
    connection: redisOptions(config.redisUrl),
    prefix: config.namespace,
    concurrency: config.worker.concurrency,
    // TODO(3): A job whose worker died is retried only once its lock runs out and another worker's
    // stall check notices (30 s each by default). The durations to use are in config.worker.
  },
);
worker.on("failed", (job, error) => console.error(`job ${job?.id} attempt ${job?.attemptsMade} failed: ${error.message}`));

await worker.waitUntilReady();
console.log(`worker ready: queue ${WELCOME_QUEUE}, prefix ${config.namespace}, concurrency ${config.worker.concurrency}`);

// TODO(5): On SIGTERM (what a deploy or `docker stop` sends), close the worker so it takes no new
// jobs and waits for the ones running, then exit with code 0. Without a handler, Node dies at once
// and the job in progress is abandoned mid-send.
