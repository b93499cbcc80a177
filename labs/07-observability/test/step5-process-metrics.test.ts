import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { register as globalRegistry } from "prom-client";
import { startApp } from "./helpers.ts";

describe("step 5: the process's own metrics", () => {
  test("CPU, memory, heap and event-loop lag are in the app's own registry", async () => {
    const app = await startApp();
    const names = new Set((await app.registry()).map((s) => s.name));
    for (const name of ["process_cpu_user_seconds_total", "process_resident_memory_bytes", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_seconds"]) {
      assert.ok(names.has(name), `expected the default metric ${name} in the app's registry (prom-client's default metrics, registered where the app's other metrics are)`);
    }
  });

  test("nothing is registered in prom-client's global registry", async () => {
    await startApp();
    await startApp();
    const names = (await globalRegistry.getMetricsAsJSON()).map((m) => m.name);
    assert.deepEqual(names, [], `expected prom-client's global registry to stay empty (every app has its own); it holds ${names.slice(0, 5).join(", ")}`);
  });
});
