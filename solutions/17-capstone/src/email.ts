import { Queue, type ConnectionOptions } from "bullmq";

/** The email provider's answer to a call it did not deliver. retryAfterMs comes from its Retry-After (429). */
export class EmailError extends Error {
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, message: string, retryAfterMs?: number) {
    super(message);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
  /** 429 (over budget), 5xx and no answer at all may succeed later; 4xx never will. */
  get retryable(): boolean {
    return this.status === 429 || this.status === 0 || this.status >= 500;
  }
}

export interface Email {
  to: string;
  subject: string;
  body: string;
}

/** Retry-After as delay-seconds (what the provider sends) or an HTTP date; undefined if absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** POST /emails. The idempotency key makes a retry after a lost answer a replay, not a second email. */
export async function sendEmail(baseUrl: string, email: Email, idempotencyKey: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(new URL("/emails", baseUrl), {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
      body: JSON.stringify(email),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new EmailError(0, `email provider unreachable: ${(error as Error).message}`);
  }
  if (!response.ok) throw new EmailError(response.status, `email provider answered ${response.status}`, retryAfterMs(response.headers.get("retry-after")));
  const { messageId } = (await response.json()) as { messageId: string };
  return messageId;
}

export function confirmationEmail(to: string, orderId: string, totalCents: number): Email {
  return { to, subject: `Your order ${orderId}`, body: `Thank you! Order ${orderId}, total ${(totalCents / 100).toFixed(2)}.` };
}

/** The queue between checkout and the provider, and the one the report's refresh is scheduled on. */
export const EMAIL_QUEUE = "order-email";
export const REPORT_QUEUE = "report-refresh";

/** Everything the worker needs to send, so sending costs no DB operation. */
export interface OrderEmailJob {
  orderId: string;
  to: string;
  totalCents: number;
}

/**
 * The producer side. jobId = orderId: adding the same order twice (a retried checkout, the worker's
 * sweep of orders whose enqueue was lost) is one job. Finished jobs are kept a day, by count and age,
 * so the dedupe holds over that day and Redis does not grow without bound.
 */
export function emailQueue(connection: ConnectionOptions, prefix: string): Queue<OrderEmailJob> {
  return new Queue<OrderEmailJob>(EMAIL_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: "exponential", delay: 1000, jitter: 0.5 },
      removeOnComplete: { age: 24 * 3600, count: 100_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

export async function enqueueConfirmation(queue: Queue<OrderEmailJob>, job: OrderEmailJob): Promise<void> {
  await queue.add("confirmation", job, { jobId: job.orderId });
}
