/**
 * A stand-in for a third-party email provider, as an HTTP server the API and the worker reach
 * through EMAIL_URL. Provided: tests and the bench start it in their own process so they can
 * script it (slow, failing, holding emails) and see every request it got. Run it by hand with
 * `node labs/03-queues/src/email-provider.ts` (port EMAIL_PORT, default 4000).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Where the provider parks requests until `release()`:
 * - "before-delivery": the email is not sent yet (a worker killed now leaves nothing sent);
 * - "after-delivery": the email is sent but the answer is not back yet (a worker killed now
 *   never learns it succeeded, so a retry must not send it again).
 */
export type HoldMode = "off" | "before-delivery" | "after-delivery";

export interface ProviderSettings {
  /** Time taken by every request before it is answered. */
  delayMs: number;
  /** Fail (HTTP 503) this many requests from now on, then succeed. */
  failNext: number;
  /**
   * Send the email, then still answer 503 to this many requests (a gateway that timed out after
   * the provider accepted it): the client cannot tell, so its retry must carry the same key.
   */
  failAfterDelivery: number;
  /** Chance that any other request fails, for manual runs; keep 0 in tests. */
  failureRate: number;
  hold: HoldMode;
}

export interface Attempt {
  /** When the request arrived (Date.now()). */
  at: number;
  to: string;
  idempotencyKey: string | undefined;
  outcome: "pending" | "failed" | "delivered" | "duplicate" | "aborted";
}

export interface Delivery {
  at: number;
  to: string;
  subject: string;
  idempotencyKey: string | undefined;
  messageId: string;
}

export interface FakeEmailProvider {
  url: string;
  /** Every request, in arrival order. */
  readonly attempts: readonly Attempt[];
  /** Every email actually sent. A duplicate request with a known idempotency key adds nothing here. */
  readonly deliveries: readonly Delivery[];
  configure(settings: Partial<ProviderSettings>): void;
  /** How many requests are parked by the hold mode right now. */
  heldCount(): number;
  /** Let every parked request continue (the hold mode stays as it is). */
  release(): void;
  attemptsTo(email: string): Attempt[];
  deliveriesTo(email: string): Delivery[];
  /** Resolve once `check()` is true; reject with `description` after timeoutMs. */
  waitUntil(check: () => boolean, description: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeEmailProvider(initial: Partial<ProviderSettings> = {}, port = 0): Promise<FakeEmailProvider> {
  const settings: ProviderSettings = { delayMs: 0, failNext: 0, failAfterDelivery: 0, failureRate: 0, hold: "off", ...initial };
  const attempts: Attempt[] = [];
  const deliveries: Delivery[] = [];
  const deliveredKeys = new Map<string, string>();
  let parked: Array<() => void> = [];
  const watchers = new Set<() => void>();
  const changed = () => watchers.forEach((watcher) => watcher());

  const park = () => new Promise<void>((resolve) => {
    parked.push(resolve);
    changed();
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || req.url !== "/emails") return reply(res, 404, { error: "POST /emails only" });
    const body = await readJson(req);
    const to = typeof body?.to === "string" ? body.to : "";
    const subject = typeof body?.subject === "string" ? body.subject : "";
    if (!to) return reply(res, 400, { error: "to is required" });
    const header = req.headers["idempotency-key"];
    const attempt: Attempt = { at: Date.now(), to, idempotencyKey: typeof header === "string" ? header : undefined, outcome: "pending" };
    attempts.push(attempt);
    // A client that goes away (timeout, killed process) before the answer aborts the attempt.
    res.once("close", () => {
      if (!res.writableFinished && attempt.outcome === "pending") {
        attempt.outcome = "aborted";
        changed();
      }
    });
    changed();

    if (settings.delayMs > 0) await new Promise((r) => setTimeout(r, settings.delayMs));
    if (settings.hold === "before-delivery") await park();
    if (attempt.outcome === "aborted") return;

    if (settings.failNext > 0 || Math.random() < settings.failureRate) {
      settings.failNext = Math.max(0, settings.failNext - 1);
      attempt.outcome = "failed";
      changed();
      return reply(res, 503, { error: "provider temporarily unavailable" });
    }
    const known = attempt.idempotencyKey === undefined ? undefined : deliveredKeys.get(attempt.idempotencyKey);
    let messageId = known;
    if (messageId === undefined) {
      messageId = `msg_${deliveries.length + 1}`;
      deliveries.push({ at: Date.now(), to, subject, idempotencyKey: attempt.idempotencyKey, messageId });
      if (attempt.idempotencyKey !== undefined) deliveredKeys.set(attempt.idempotencyKey, messageId);
      attempt.outcome = "delivered";
    } else {
      attempt.outcome = "duplicate";
    }
    changed();
    if (settings.hold === "after-delivery") await park();
    if (settings.failAfterDelivery > 0) {
      settings.failAfterDelivery--;
      return reply(res, 503, { error: "gateway timeout (the email may have been sent)" });
    }
    reply(res, 200, { messageId });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { error: String(error) }));
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const { port: boundPort } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${boundPort}`,
    attempts,
    deliveries,
    configure(next) {
      Object.assign(settings, next);
    },
    heldCount: () => parked.length,
    release() {
      const waiting = parked;
      parked = [];
      waiting.forEach((resume) => resume());
    },
    attemptsTo: (email) => attempts.filter((a) => a.to === email),
    deliveriesTo: (email) => deliveries.filter((d) => d.to === email),
    waitUntil(check, description, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          clearTimeout(timer);
          watchers.delete(watcher);
          if (error) reject(error);
          else resolve();
        };
        const watcher = () => {
          if (check()) done();
        };
        const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting until ${description}`)), timeoutMs);
        watchers.add(watcher);
        watcher();
      });
    },
    async close() {
      parked.forEach((resume) => resume());
      parked = [];
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

function reply(res: ServerResponse, status: number, body: object): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  // Manual runs: slow and unreliable, like the real thing.
  const provider = await startFakeEmailProvider(
    { delayMs: Number(process.env.PROVIDER_DELAY_MS ?? 500), failureRate: Number(process.env.PROVIDER_FAILURE_RATE ?? 0.2) },
    Number(process.env.EMAIL_PORT ?? 4000),
  );
  let reported = 0;
  setInterval(() => {
    for (const attempt of provider.attempts.slice(reported)) {
      if (attempt.outcome === "pending") break;
      console.log(`${new Date(attempt.at).toISOString()} ${attempt.outcome.padEnd(9)} to ${attempt.to} key=${attempt.idempotencyKey ?? "-"}`);
      reported++;
    }
  }, 200);
  console.log(`fake email provider listening on ${provider.url} (delay ${process.env.PROVIDER_DELAY_MS ?? 500} ms, failure rate ${process.env.PROVIDER_FAILURE_RATE ?? 0.2})`);
}
