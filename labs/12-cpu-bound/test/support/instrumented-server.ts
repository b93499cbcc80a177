// Runs src/server.ts with two witnesses the app cannot see:
// - every Worker the process constructs is counted: "[thread] created id=<threadId>" when it is
//   made and "[thread] exited id=<threadId> code=<code>" when it ends, written synchronously;
// - the main thread's event-loop delay (perf_hooks.monitorEventLoopDelay), printed as an
//   "[eld] {...}" line in milliseconds on SIGUSR2, which also starts a new measurement (the bench reads it).
import { writeSync } from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { monitorEventLoopDelay } from "node:perf_hooks";
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
syncBuiltinESMExports(); // `import { Worker } from "node:worker_threads"` now sees CountedWorker too

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
process.on("SIGUSR2", () => {
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  writeSync(1, `[eld] ${JSON.stringify({ p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) })}\n`);
  delay.reset();
});

await import("../../src/server.ts");
