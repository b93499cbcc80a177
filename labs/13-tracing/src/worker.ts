/**
 * The worker process. Start it with the telemetry set up first:
 *   node --import ./src/telemetry.ts src/worker.ts
 * It takes welcome-email jobs off the queue and sends them through the email provider.
 */
import { readConfig } from "./config.ts";
import { createEmailClient } from "./email-client.ts";
import { createLogger } from "./logger.ts";
import { WELCOME_QUEUE, createWelcomeWorker } from "./queue.ts";
import { shutdownTelemetry } from "./telemetry.ts";

const config = readConfig();
const log = createLogger("worker");
const email = createEmailClient(config.emailUrl);

const worker = createWelcomeWorker(config.redisUrl, config.namespace, config.concurrency, async (job) => {
  const { messageId } = await email.sendWelcome(job.data);
  log.info({ userId: job.data.userId, jobId: job.id, messageId }, "welcome email sent");
});
worker.on("failed", (job, error) => log.warn({ jobId: job?.id, err: error }, "welcome email failed"));

await worker.waitUntilReady();
log.info(`worker ready: queue ${WELCOME_QUEUE}, prefix ${config.namespace}, concurrency ${config.concurrency}`);

// SIGINT (Ctrl-C) as SIGTERM: close the worker, then flush the spans still in memory, then exit.
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await worker.close();
  await shutdownTelemetry();
  process.exit(0);
}
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
