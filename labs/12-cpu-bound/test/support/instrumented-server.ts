// Runs src/server.ts with two witnesses the app cannot see:
// - every Worker the process constructs is counted: "[thread] created id=<threadId>" when it is
//   made and "[thread] exited id=<threadId> code=<code>" when it ends, written synchronously;
// - the main thread's event loop: how late its timers run (perf_hooks.monitorEventLoopDelay) and
//   the share of time it was busy (performance.eventLoopUtilization()), printed as an "[eld] {...}"
//   line on SIGUSR2, which also starts a new measurement (the bench reads it).
import { writeSync } from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type * as Os from "node:os";
import type * as WorkerThreads from "node:worker_threads";

const require = createRequire(import.meta.url);
const threads = require("node:worker_threads") as typeof WorkerThreads;
const Original = threads.Worker;

class CountedWorker extends Original {
  constructor(...args: ConstructorParameters<typeof Original>) {
    super(...args);
    const id = this.threadId;
    writeSync(1, `[thread] created id=${id}\n`);
    this.once("exit", (code: number) => writeSync(1, `[thread] exited id=${id} code=${code}\n`));
  }
}
threads.Worker = CountedWorker;

// With CPU_LAB_CORES=<usable>/<installed> (tests only), the process sees a machine as an affinity mask
// or a container's CPU quota shows it: os.availableParallelism() and navigator.hardwareConcurrency say
// <usable>, os.cpus() lists <installed>. Which one the pool is sized from then shows.
const cores = /^(\d+)\/(\d+)$/.exec(process.env.CPU_LAB_CORES ?? "");
if (cores) {
  const os = require("node:os") as typeof Os;
  const usable = Number(cores[1]);
  const installed = Number(cores[2]);
  const model = os.cpus()[0]!;
  os.availableParallelism = () => usable;
  os.cpus = () => Array.from({ length: installed }, () => ({ ...model, times: { ...model.times } }));
  Object.defineProperty(globalThis.navigator, "hardwareConcurrency", { get: () => usable, configurable: true });
}
syncBuiltinESMExports(); // `import { Worker } from "node:worker_threads"` (and os's named exports) now see the above

// The histogram records the time between two runs of its own repeating timer, not the lateness:
// an idle loop records the resolution itself (about 10 ms here). The delay is what lies beyond it.
const RESOLUTION_MS = 10;
const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
delay.enable();
let busySince = performance.eventLoopUtilization();
process.on("SIGUSR2", () => {
  const late = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
  const busy = performance.eventLoopUtilization(busySince);
  const report = { p50: late(delay.percentile(50)), p99: late(delay.percentile(99)), max: late(delay.max), utilization: Math.round(busy.utilization * 1000) / 1000 };
  writeSync(1, `[eld] ${JSON.stringify(report)}\n`);
  delay.reset();
  busySince = performance.eventLoopUtilization();
});

await import("../../src/server.ts");
