// `npm run lab -- start 13`: the fake email provider, the API and the worker, each its own process,
// the API and the worker started with `--import ./src/telemetry.ts`. Spans go to
// OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318: Jaeger from `docker compose --profile
// observability up`, UI on http://localhost:16686).
import type { LabStart } from "#kit/cli/commands/start.ts";

const traced = (service: string) => ({ NODE_OPTIONS: "--import ./src/telemetry.ts", OTEL_SERVICE_NAME: service, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" });

const start: LabStart = {
  processes: [
    { name: "email provider", entry: "src/email-provider.ts", portEnv: "EMAIL_PORT", urlEnv: "EMAIL_URL" },
    { name: "app", entry: "src/server.ts", portEnv: "PORT", env: traced("lab13-api") },
    { name: "worker", entry: "src/worker.ts", ready: /worker ready/, env: traced("lab13-worker") },
  ],
  examples: ({ url }) => [
    `curl -i -X POST ${url}/users -H 'content-type: application/json' -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' -d '{"email":"ada@example.com","name":"Ada"}'`,
    `curl -i ${url}/users/000000000000000000000000`,
  ],
  note: "The [app] and [worker] log lines of one sign-up share a trace_id once step 3 is done; with Jaeger running, search it at http://localhost:16686.",
};
export default start;
