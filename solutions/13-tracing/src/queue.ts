import { Queue, Worker, type Processor, type RedisOptions } from "bullmq";
import { BullMQOtel } from "bullmq-otel";

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

// BullMQ's own telemetry hook, with OpenTelemetry behind it. On add, the queue opens a PRODUCER span
// and stores that span's context in the job (opts.telemetry.metadata, in Redis). The worker reads it
// back and opens its CONSUMER span as a child of the producer, then runs the processor inside it: the
// job carries the trace across the process boundary the way the traceparent header does over HTTP.
// Both sides must use it: a queue alone writes a context nobody reads; a worker alone finds none.
const telemetry = new BullMQOtel({ tracerName: "lab13-welcome-email" });

/** The welcome-email queue; `prefix` keeps this run's keys apart from everyone else's. */
export function createWelcomeQueue(redisUrl: string, prefix: string): WelcomeQueue {
  return new Queue<WelcomeEmailJob>(WELCOME_QUEUE, { connection: redisOptions(redisUrl), prefix, telemetry });
}

/** A worker that runs `processor` for each welcome-email job. */
export function createWelcomeWorker(
  redisUrl: string,
  prefix: string,
  concurrency: number,
  processor: Processor<WelcomeEmailJob>,
): Worker<WelcomeEmailJob> {
  return new Worker<WelcomeEmailJob>(WELCOME_QUEUE, processor, { connection: redisOptions(redisUrl), prefix, concurrency, telemetry });
}
