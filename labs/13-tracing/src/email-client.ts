/**
 * The client for the email provider. Provided: you call it, you do not change it.
 * It uses node:http rather than fetch on purpose: fetch is built on undici, which the HTTP
 * instrumentation (@opentelemetry/instrumentation-http) does not see.
 */
import http from "node:http";

export interface WelcomeRecipient {
  email: string;
  name: string;
}

export class EmailSendError extends Error {
  override name = "EmailSendError";
}

export interface EmailClient {
  /** Resolves with the provider's message id once it has accepted the email; throws EmailSendError otherwise. */
  sendWelcome(to: WelcomeRecipient): Promise<{ messageId: string }>;
}

export function createEmailClient(baseUrl: string, timeoutMs = 10_000): EmailClient {
  const endpoint = new URL("/emails", baseUrl);
  return {
    sendWelcome(to) {
      const body = JSON.stringify({ to: to.email, subject: "Welcome!", text: `Hi ${to.name}, welcome aboard.` });
      return new Promise((resolve, reject) => {
        const req = http.request(endpoint, { method: "POST", headers: { "content-type": "application/json" }, timeout: timeoutMs }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => {
            const answer = parse(text);
            if (res.statusCode === 200 && typeof answer.messageId === "string") resolve({ messageId: answer.messageId });
            else reject(new EmailSendError(`email provider answered ${res.statusCode}: ${String(answer.error ?? "no message id")}`));
          });
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (error) => reject(new EmailSendError(`email provider unreachable: ${error.message}`)));
        req.end(body);
      });
    },
  };
}

function parse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
