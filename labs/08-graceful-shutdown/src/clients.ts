import { Queue, Worker, type ConnectionOptions } from "bullmq";
import { Redis } from "ioredis";
import { MongoClient, type Db } from "mongodb";
import type { Config } from "./config.ts";
import { processReport, type ReportJob } from "./jobs.ts";

/** Every long-lived connection the process holds. Each one must be closed on shutdown. */
export interface Clients {
  redis: Redis;
  mongo: MongoClient;
  db: Db;
  queue: Queue<ReportJob>;
  worker: Worker<ReportJob>;
}

export const QUEUE_NAME = "reports";

/**
 * Open the clients before the server listens, so that a process that answers readiness can
 * really serve. Every Redis connection is named after the namespace (CLIENT SETNAME), which lets
 * an operator, and the lab's tests, find this process's connections in `CLIENT LIST`.
 */
export async function openClients(config: Config): Promise<Clients> {
  const redis = new Redis(config.redisUrl, { connectionName: `${config.namespace}:app`, maxRetriesPerRequest: 2 });
  const mongo = new MongoClient(config.mongoUrl, { appName: `${config.namespace}:app`, serverSelectionTimeoutMS: 5000 });
  await mongo.connect();
  const db = mongo.db(config.namespace);

  // BullMQ opens its own connections from these options (a worker needs a blocking one).
  const url = new URL(config.redisUrl);
  const connection: ConnectionOptions = {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    connectionName: `${config.namespace}:bullmq`,
    maxRetriesPerRequest: null,
  };
  const queue = new Queue<ReportJob>(QUEUE_NAME, { connection, prefix: config.namespace });
  const worker = new Worker<ReportJob>(QUEUE_NAME, (job) => processReport(job, db), { connection, prefix: config.namespace });
  worker.on("error", (error) => console.error(`worker error: ${error.message}`));
  await Promise.all([redis.ping(), queue.waitUntilReady(), worker.waitUntilReady()]);
  return { redis, mongo, db, queue, worker };
}
