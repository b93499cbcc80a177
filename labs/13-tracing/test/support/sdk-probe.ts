/**
 * Loaded by the tests with a second `--import`, after src/telemetry.ts, so that a failing test can say
 * WHY no span arrived instead of waiting out a timeout. It changes nothing the app does: on SIGUSR2 it
 * flushes the registered tracer provider and prints one line,
 *   [lab13-probe] {"n":3,"sdk":true,"ok":true,"errors":[]}
 * where `sdk` says whether a tracer provider with forceFlush() is registered at all, `ok` whether the
 * flush succeeded (every span ended before it has then been answered by the collector), and `errors` the
 * SDK's own error and warning messages since the last reply (an exporter that throws, a full buffer).
 */
import { diag, DiagLogLevel, trace, type DiagLogger } from "@opentelemetry/api";

const errors: string[] = [];
const record = (level: string) => (message: string, ...args: unknown[]) => {
  const extra = args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  if (errors.length < 20) errors.push(`${level}: ${message}${extra ? ` ${extra}` : ""}`);
};
const quiet = () => {};
const recorder: DiagLogger = { error: record("error"), warn: record("warn"), info: quiet, debug: quiet, verbose: quiet };
// The SDK reports export failures (a processor built with the wrong arguments, a collector that refuses)
// through diag only; by default nobody listens and the spans vanish without a word.
diag.setLogger(recorder, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });

interface Flushable {
  forceFlush(): Promise<void>;
}

function registeredProvider(): Flushable | undefined {
  const global = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const provider = (global.getDelegate ? global.getDelegate() : global) as Partial<Flushable>;
  return typeof provider.forceFlush === "function" ? (provider as Flushable) : undefined;
}

const describe = (error: unknown): string => {
  const list = Array.isArray(error) ? error : [error];
  return list.map((e) => (e instanceof Error ? (e.stack ?? e.message) : String(e))).join("\n");
};

let n = 0;
process.on("SIGUSR2", () => {
  const reply = { n: ++n, sdk: false, ok: false, errors: [] as string[], failure: "" };
  const done = () => {
    reply.errors = errors.splice(0);
    process.stdout.write(`[lab13-probe] ${JSON.stringify(reply)}\n`);
  };
  const provider = registeredProvider();
  if (!provider) return done();
  reply.sdk = true;
  provider.forceFlush().then(
    () => {
      reply.ok = true;
      done();
    },
    (error: unknown) => {
      reply.failure = describe(error);
      done();
    },
  );
});
