import { Queue, Worker, type Processor, type RedisOptions } from "bullmq";

/** The queue the API adds welcome emails to and the worker takes them from. */
export const WELCOME_QUEUE = "welcome-email";

/** What one welcome-email job carries. */
export interface WelcomeEmailJob {
  userId: string;
  email: string;
  name: string;
}

export type WelcomeQueue = Queue<WelcomeEmailJob>;

/** Workers block on Redis while they wait for jobs, so BullMQ needs `maxRetriesPerRequest: null`. */
function redisOptions(redisUrl: string): RedisOptions {
  return { url: redisUrl, maxRetriesPerRequest: null };
}

/** The welcome-email queue; `prefix` keeps this run's keys apart from everyone else's. */
export function createWelcomeQueue(redisUrl: string, prefix: string): WelcomeQueue {
  // TODO(2): A job crosses from the API process to the worker process through Redis, and the trace
  // context does not go with it: the worker's spans start a new trace. Make the queue store the
  // context in the job and the worker continue from it (BullMQ has an option for this, on both).
  return new Queue<WelcomeEmailJob>(WELCOME_QUEUE, { connection: redisOptions(redisUrl), prefix });
}

/** A worker that runs `processor` for each welcome-email job. */
export function createWelcomeWorker(
  redisUrl: string,
  prefix: string,
  concurrency: number,
  processor: Processor<WelcomeEmailJob>,
): Worker<WelcomeEmailJob> {
  return new Worker<WelcomeEmailJob>(WELCOME_QUEUE, processor, { connection: redisOptions(redisUrl), prefix, concurrency });
}
