/**
 * An OTLP/HTTP receiver, as Jaeger or the OpenTelemetry Collector runs on port 4318, inside the test.
 * It decodes what the real exporter (@opentelemetry/exporter-trace-otlp-http) sends: OTLP JSON on
 * POST /v1/traces. It can hold its answers, as a slow or stuck collector does.
 */
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** OTLP span kinds (opentelemetry-proto, trace.proto). */
export const Kind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
const kindNames: Record<number, string> = { 0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER" };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  /** service.name of the process that sent it. */
  service: string;
  attributes: Record<string, unknown>;
}

export interface Collector {
  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  readonly spans: ReceivedSpan[];
  /** POSTs to /v1/traces received, and how many of them have been answered. */
  exportsReceived(): number;
  exportsAnswered(): number;
  /** POSTs to other paths (metrics, logs): answered, not decoded. */
  otherRequests(): string[];
  /** Park every export from now on without answering it, until release(). */
  hold(): void;
  release(): void;
  trace(traceId: string): ReceivedSpan[];
  /** Resolve once `check()` is true; otherwise fail naming `what` and showing the spans received. */
  waitFor(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const spans: ReceivedSpan[] = [];
  const others: string[] = [];
  let received = 0;
  let answered = 0;
  let holding = false;
  let parked: Array<() => void> = [];

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/v1/traces") {
      others.push(`${req.method} ${req.url}`);
      return answer(res, 200, {});
    }
    received++;
    const type = String(req.headers["content-type"] ?? "");
    if (!type.startsWith("application/json")) {
      // A protobuf exporter (exporter-trace-otlp-proto) would land here: the lab uses the JSON one.
      others.push(`POST /v1/traces with content-type ${type}`);
      answered++;
      return answer(res, 415, { error: "this receiver decodes OTLP/HTTP JSON" });
    }
    const batch = decode(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    if (holding) {
      // A held export counts only once it is answered: an exporter that gave up waiting (it closed the
      // connection) has lost those spans, as it would with a collector that never got to them.
      let gaveUp = false;
      res.once("close", () => (gaveUp = true));
      await new Promise<void>((resolve) => parked.push(resolve));
      if (gaveUp) return;
    }
    spans.push(...batch);
    answered++;
    answer(res, 200, { partialSuccess: {} });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const release = () => {
    holding = false;
    const waiting = parked;
    parked = [];
    waiting.forEach((resume) => resume());
  };

  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    exportsReceived: () => received,
    exportsAnswered: () => answered,
    otherRequests: () => others,
    hold: () => void (holding = true),
    release,
    trace: (traceId) => spans.filter((span) => span.traceId === traceId),
    async waitFor(what, check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) {
          throw new Error(`waited ${timeoutMs} ms for ${what}, in vain. The collector received ${spans.length} spans:\n${describeSpans(spans)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      release();
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value?: OtlpValue;
}
interface OtlpRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind?: number; attributes?: OtlpAttribute[] }> }>;
  }>;
}

function decode(body: OtlpRequest): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = String(attributes(resourceSpans.resource?.attributes)["service.name"] ?? "");
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? "",
        name: span.name,
        kind: span.kind ?? 0,
        service,
        attributes: attributes(span.attributes),
      })),
    );
  });
}

function attributes(list: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value = {} }) => [key, value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue]));
}

function answer(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** One line per span: "service KIND name trace/span<-parent", for failure messages. */
export function describeSpans(spans: readonly ReceivedSpan[], limit = 60): string {
  const lines = spans.slice(0, limit).map((s) => `  ${s.service} ${kindNames[s.kind] ?? s.kind} "${s.name}" trace=${s.traceId} span=${s.spanId} parent=${s.parentSpanId || "-"}`);
  if (spans.length > limit) lines.push(`  ... and ${spans.length - limit} more`);
  return lines.join("\n") || "  (none)";
}
