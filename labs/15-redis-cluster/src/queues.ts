import { Queue, Worker } from "bullmq";
import type { Keys } from "./keys.ts";
import type { Client } from "./redis.ts";
import type { CartLine } from "./store.ts";

export interface OrderJob {
  user: string;
  lines: CartLine[];
  totalCents: number;
}

export interface Queues {
  orders: Queue<OrderJob>;
  emails: Queue<{ user: string; totalCents: number }>;
  close(): Promise<void>;
}

/**
 * Two queues: a checkout adds an order job; the orders worker "books" it and adds a receipt to the emails
 * queue; the emails worker "sends" it. Each queue's keys start with keys.queuePrefix(name). Provided: the
 * lab's work on queues is that prefix, in keys.ts.
 */
export function startQueues(keys: Keys, connection: Client, runWorkers = true): Queues {
  const opts = (name: string) => ({ connection, prefix: keys.queuePrefix(name) });
  const orders = new Queue<OrderJob>("orders", opts("orders"));
  const emails = new Queue<{ user: string; totalCents: number }>("emails", opts("emails"));
  if (!runWorkers) {
    for (const queue of [orders, emails]) queue.on("error", (error: Error) => console.error(`queue: ${error.message}`));
    return { orders, emails, close: async () => void (await Promise.allSettled([orders.close(), emails.close()])) };
  }
  const ordersWorker = new Worker<OrderJob>(
    "orders",
    async (job) => {
      await emails.add("receipt", { user: job.data.user, totalCents: job.data.totalCents }, { removeOnComplete: 100, removeOnFail: 100 });
      return { booked: true };
    },
    opts("orders"),
  );
  const emailsWorker = new Worker("emails", async () => "sent", opts("emails"));
  const logError = (error: Error) => console.error(`queue: ${error.message}`);
  orders.on("error", logError);
  emails.on("error", logError);
  ordersWorker.on("error", logError);
  emailsWorker.on("error", logError);
  return {
    orders,
    emails,
    async close() {
      await Promise.allSettled([ordersWorker.close(), emailsWorker.close()]);
      await Promise.allSettled([orders.close(), emails.close()]);
    },
  };
}
