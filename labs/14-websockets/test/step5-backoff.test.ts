import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay } from "../src/client.ts";

test("reconnect delays: full jitter under an exponential ceiling, capped", () => {
  const backoff = { baseMs: 100, capMs: 5_000 };
  const ceilings = [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000];
  for (const [attempt, ceiling] of ceilings.entries()) {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const got = backoffDelay(attempt, backoff, () => r);
      const want = r * ceiling;
      assert.ok(Math.abs(got - want) < 1e-6 * Math.max(1, want), `expected attempt ${attempt} with random() = ${r} to wait ${want} ms (random() × min(capMs, baseMs × 2^attempt)); got ${got}`);
    }
  }
  const other = backoffDelay(3, { baseMs: 250, capMs: 1_000 }, () => 0.5);
  assert.equal(other, 500, `expected baseMs and capMs to be read from the argument (attempt 3, base 250, cap 1000, random 0.5: 500 ms); got ${other}`);
});
