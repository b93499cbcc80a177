import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startProcess } from "#kit/testing/index.ts";
import { serverEntry } from "./helpers.ts";

/** Start the server with `env`; resolve with its exit code and output, or fail if it starts listening. */
async function expectRefusal(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const proc = await startProcess({ entry: serverEntry, env: { MONGO_URL: "mongodb://127.0.0.1:9/?directConnection=true", SKIP_SEED: "1", PORT: "0", ...env } });
  const outcome = await Promise.race([
    proc.exited().then((exit) => ({ kind: "exited" as const, code: exit.code })),
    proc.waitFor(/listening/i, 15_000).then(
      () => ({ kind: "listening" as const, code: null }),
      () => ({ kind: "timeout" as const, code: null }),
    ),
  ]);
  if (outcome.kind !== "exited") await proc.stop();
  const settings = Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
  assert.equal(outcome.kind, "exited", `expected the app to refuse to start with ${settings}; it ${outcome.kind === "listening" ? "started listening" : "neither exited nor listened"}`);
  return { code: outcome.code, output: proc.output() };
}

describe("bad configuration stops the app at start-up with a clear error", { concurrency: true }, () => {
  const cases: [Record<string, string>, string][] = [
    [{ MONGO_MAX_POOL_SIZE: "lots" }, "MONGO_MAX_POOL_SIZE"],
    [{ MONGO_MAX_POOL_SIZE: "0" }, "MONGO_MAX_POOL_SIZE"],
    [{ MONGO_SERVER_SELECTION_TIMEOUT_MS: "-5" }, "MONGO_SERVER_SELECTION_TIMEOUT_MS"],
    [{ MONGO_MAX_IDLE_TIME_MS: "1.5" }, "MONGO_MAX_IDLE_TIME_MS"],
    [{ MONGO_MAX_POOL_SIZE: "5", MONGO_MIN_POOL_SIZE: "10" }, "MONGO_MIN_POOL_SIZE"],
  ];
  for (const [env, variable] of cases) {
    it(`${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ")} is refused, naming ${variable}`, async () => {
      const { code, output } = await expectRefusal(env);
      assert.notEqual(code, 0, "expected a non-zero exit code");
      assert.ok(output.includes(variable), `expected the error to name ${variable}; the app printed:\n${output}`);
    });
  }
});
