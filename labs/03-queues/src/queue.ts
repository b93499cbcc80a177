import { Queue, type RedisOptions } from "bullmq";

/** The queue the API adds welcome emails to and the worker takes them from. */
export const WELCOME_QUEUE = "welcome-email";

/** What one welcome-email job carries: everything the worker needs, so it never reads the database. */
export interface WelcomeEmailJob {
  userId: string;
  email: string;
  name: string;
}

/**
 * Connection options for BullMQ. Workers block on Redis while they wait for jobs, so BullMQ needs
 * `maxRetriesPerRequest: null` (retry forever instead of failing a blocked command).
 */
export function redisOptions(redisUrl: string): RedisOptions {
  return { url: redisUrl, maxRetriesPerRequest: null };
}

/** The welcome-email queue; `prefix` keeps this run's keys apart from everyone else's in a shared Redis. */
export function createWelcomeQueue(redisUrl: string, prefix: string): Queue<WelcomeEmailJob> {
  return new Queue<WelcomeEmailJob>(WELCOME_QUEUE, { connection: redisOptions(redisUrl), prefix });
}
