/**
 * The client for the (third-party) email provider. Provided: you call it, you do not change it.
 * Like real providers it is slow, it sometimes fails, and it accepts an idempotency key: a second
 * request with a key it has already delivered is answered without sending the email again.
 */

export interface WelcomeRecipient {
  email: string;
  name: string;
}

export interface SendOptions {
  /** Same key → at most one email, however many times the request is repeated. */
  idempotencyKey?: string;
}

export interface EmailClient {
  /** Resolves with the provider's message id once the provider has accepted the email; throws EmailSendError otherwise. */
  sendWelcome(to: WelcomeRecipient, options?: SendOptions): Promise<{ messageId: string }>;
}

export class EmailSendError extends Error {
  override name = "EmailSendError";
  /** The provider's HTTP status, or undefined when it could not be reached. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

export function createEmailClient(baseUrl: string, timeoutMs = 15_000): EmailClient {
  const endpoint = new URL("/emails", baseUrl);
  return {
    async sendWelcome(to, options = {}) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: "POST",
          headers,
          body: JSON.stringify({ to: to.email, subject: "Welcome!", text: `Hi ${to.name}, welcome aboard.` }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new EmailSendError(`email provider unreachable: ${(error as Error).message}`);
      }
      const body = (await response.json().catch(() => ({}))) as { messageId?: unknown; error?: unknown };
      if (!response.ok || typeof body.messageId !== "string") {
        throw new EmailSendError(`email provider answered ${response.status}: ${String(body.error ?? "no message id")}`, response.status);
      }
      return { messageId: body.messageId };
    },
  };
}
