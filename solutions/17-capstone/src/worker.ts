// The worker process: `node solutions/17-capstone/src/worker.ts`. It sends the order confirmations
// under the provider's budget, sweeps up orders whose job was never queued, and refreshes the admin
// report's views on a schedule. Any number of workers may run: BullMQ's limiter and job scheduler are
// shared through Redis, so the budget holds and the report is rebuilt once per period, not once per worker.
import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { loadConfigOrExit } from "./config.ts";
import { connectStore } from "./db.ts";
import { refreshReport } from "./admin.ts";
import { EMAIL_QUEUE, EmailError, REPORT_QUEUE, confirmationEmail, emailQueue, enqueueConfirmation, sendEmail, type OrderEmailJob } from "./email.ts";

const config = loadConfigOrExit();
const store = await connectStore(config);
// Workers block on Redis while they wait for jobs: their connection retries forever (BullMQ requires
// maxRetriesPerRequest: null) and is not the request path's. One connection for the worker side, shared.
const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, connectionName: `${config.instance}-worker` });
const queue = emailQueue(connection, config.namespace);
const reportQueue = new Queue(REPORT_QUEUE, { connection, prefix: config.namespace });

async function sendConfirmation(job: Job<OrderEmailJob>): Promise<void> {
  const { orderId, to, totalCents } = job.data;
  try {
    // The provider's Idempotency-Key is the order id: a job run twice (a worker killed after the
    // provider answered, a sweep that re-adds a job) sends one email.
    await sendEmail(config.emailUrl, confirmationEmail(to, orderId, totalCents), orderId);
  } catch (error) {
    if (error instanceof EmailError && error.status === 429) {
      // Over the provider's budget: pause the whole queue (every worker) for as long as the provider
      // says, and put this job back without spending one of its attempts.
      await queue.rateLimit(error.retryAfterMs ?? 1000);
      throw Worker.RateLimitError();
    }
    if (error instanceof EmailError && !error.retryable) throw new Error(`not retried: ${error.message}`); // 4xx: a retry would get the same
    throw error; // 503, network: BullMQ retries with exponential backoff (attempts and delay: email.ts)
  }
}

const emailWorker = new Worker<OrderEmailJob>(EMAIL_QUEUE, sendConfirmation, {
  connection,
  prefix: config.namespace,
  concurrency: 4,
  // The provider counts calls, retries included: stay under its budget across every worker, so 429s
  // are the exception, not the way the budget is discovered. One call per 1/rate s, not `rate` per
  // second: BullMQ's windows are fixed, and `rate` at the end of one window plus `rate` at the start of
  // the next is twice the budget within one second, which a token bucket answers with 429s.
  // And a fifth under the budget, not at it: calls exactly 1/rate s apart put rate + 1 calls within one
  // sliding second (the first and the last at its two ends), the provider counts sliding seconds, and a
  // job's call leaves some ms after the limiter let it start (more on a loaded machine), which can bring
  // two calls closer than the limiter spaced their jobs.
  limiter: { max: 1, duration: Math.ceil(1250 / config.emailCallsPerSecond) },
  // A worker killed mid-send holds its job's lock until it expires: with BullMQ's defaults (30 s, checked
  // every 30 s) the confirmation waits up to a minute. A lock of 5 s (renewed every 2.5 s while the job
  // runs) brings it back within seconds; the provider's Idempotency-Key makes the second send a replay.
  lockDuration: 5000,
  stalledInterval: 5000,
  maxStalledCount: 5,
});
emailWorker.on("failed", (job, error) => console.error(`confirmation ${job?.id} attempt ${job?.attemptsMade}: ${error.message}`));

// Orders stored while the queue was unreachable: enqueue them (jobId = orderId dedupes), then clear the flag.
async function sweepPendingEmails(): Promise<void> {
  const stale = await store.orders.find({ emailPending: true, createdAt: { $lt: new Date(Date.now() - 30_000) } }).limit(100).toArray();
  for (const order of stale) {
    const orderId = order._id.toHexString();
    await enqueueConfirmation(queue, { orderId, to: order.email, totalCents: order.totalCents });
    await store.orders.updateOne({ _id: order._id }, { $unset: { emailPending: "" } });
  }
}

const reportWorker = new Worker(
  REPORT_QUEUE,
  async (job) => {
    if (job.name === "refresh") await refreshReport(store);
    else await sweepPendingEmails();
  },
  { connection, prefix: config.namespace, concurrency: 1 },
);
reportWorker.on("failed", (job, error) => console.error(`${job?.name} failed: ${error.message}`));
// Schedulers live in Redis: upserting them from every worker still gives one run per period.
await reportQueue.upsertJobScheduler("report-refresh", { every: config.reportRefreshMs }, { name: "refresh", opts: { removeOnComplete: 10, removeOnFail: 50 } });
await reportQueue.upsertJobScheduler("email-sweep", { every: 30_000 }, { name: "sweep", opts: { removeOnComplete: 10, removeOnFail: 50 } });

// The first view is built before the worker says it is ready: the schedule's first run comes a period
// later, and until then the report would have no figures at all.
await refreshReport(store);
await Promise.all([emailWorker.waitUntilReady(), reportWorker.waitUntilReady()]);
console.log(`${config.instance} worker ready: ${config.emailCallsPerSecond} emails/s, report every ${config.reportRefreshMs} ms`);

// SIGTERM: take no new jobs, let running ones finish (a send in flight is not abandoned), then exit 0.
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  setTimeout(() => process.exit(1), 15_000).unref();
  await Promise.all([emailWorker.close(), reportWorker.close()]);
  await Promise.all([queue.close(), reportQueue.close()]);
  await connection.quit();
  await store.client.close();
  process.exit(0);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
