/**
 * A stand-in for a third-party email provider: an HTTP server the worker reaches through
 * EMAIL_URL. Provided: tests and the bench start it in their own process so they can see every
 * request it got, headers included. Run it by hand with `node labs/13-tracing/src/email-provider.ts`
 * (port EMAIL_PORT, default 4000).
 */
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProviderRequest {
  to: string;
  headers: IncomingHttpHeaders;
}

export interface FakeEmailProvider {
  url: string;
  /** Every POST /emails, in arrival order. */
  readonly requests: readonly ProviderRequest[];
  close(): Promise<void>;
}

export async function startFakeEmailProvider(port = 0, delayMs = 0): Promise<FakeEmailProvider> {
  const requests: ProviderRequest[] = [];
  const server = createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += String(chunk);
    const to = readTo(text);
    if (req.method !== "POST" || req.url !== "/emails" || !to) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "POST /emails with a JSON body naming `to`" }));
      return;
    }
    requests.push({ to, headers: req.headers });
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ messageId: `msg_${requests.length}` }));
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

function readTo(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { to?: unknown };
    return typeof body.to === "string" && body.to !== "" ? body.to : undefined;
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  const provider = await startFakeEmailProvider(Number(process.env.EMAIL_PORT ?? 4000), Number(process.env.PROVIDER_DELAY_MS ?? 200));
  let reported = 0;
  setInterval(() => {
    for (const request of provider.requests.slice(reported)) {
      console.log(`email to ${request.to} traceparent=${String(request.headers.traceparent ?? "-")}`);
      reported++;
    }
  }, 200);
  console.log(`fake email provider listening on ${provider.url}`);
}
