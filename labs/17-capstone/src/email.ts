/** The email provider's HTTP API: POST /emails { to, subject, body } with an optional Idempotency-Key. */
export class EmailError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface Email {
  to: string;
  subject: string;
  body: string;
}

export async function sendEmail(baseUrl: string, email: Email, idempotencyKey: string): Promise<string> {
  const response = await fetch(new URL("/emails", baseUrl), {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
    body: JSON.stringify(email),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new EmailError(response.status, `email provider answered ${response.status}`);
  const { messageId } = (await response.json()) as { messageId: string };
  return messageId;
}

export function confirmationEmail(to: string, orderId: string, totalCents: number): Email {
  return { to, subject: `Your order ${orderId}`, body: `Thank you! Order ${orderId}, total ${(totalCents / 100).toFixed(2)}.` };
}
