import { watch, type FSWatcher } from "node:fs";
import { emitKeypressEvents } from "node:readline";
import type { Lab } from "../../labs.ts";
import type { LabStep } from "../../manifest/schema.ts";
import type { StepResult } from "../../progress.ts";
import { currentStep, watchFrom } from "../../step-states.ts";
import { stepsOfLab } from "../../runner/steps.ts";
import { bold, dim, say, warn } from "../../terminal/output.ts";
import { showHint } from "./hint.ts";
import { testLab } from "./test.ts";

/** What the next save (or r) runs, for the line under each run. */
function nextRun(steps: readonly LabStep[], previous: readonly StepResult[] | undefined): string {
  if (steps.length === 1) return "the lab's tests";
  const from = watchFrom(previous, steps.length);
  const fromStart = from === 0 && (!previous || currentStep(previous, steps.length) !== 0);
  return fromStart ? "every step from step 1, stopping at the first that fails" : `step ${from + 1} (${steps[from]!.title}), then the next steps while they pass`;
}

/**
 * Re-run the step the learner is on whenever a file under the lab changes: the first step not yet passing in
 * this session's last run, then the steps after it as long as they pass. Once every step passes, a save runs
 * every step again from step 1. Keys: h hint, r run now, a every step at once, q quit.
 */
export async function watchLab(lab: Lab): Promise<void> {
  const steps = stepsOfLab(lab);
  const stepCount = steps.length;
  let last: StepResult[] | undefined;
  let running = false;
  let queued: "current" | "all" | undefined;
  const run = async (kind: "current" | "all" = "current") => {
    if (running) {
      queued = queued === "all" ? "all" : kind;
      return;
    }
    running = true;
    try {
      process.stdout.write("\x1b[2J\x1b[H".repeat(process.stdout.isTTY ? 1 : 0));
      const options = kind === "all" ? { all: true } : { from: watchFrom(last, stepCount), ...(last ? { previous: last } : {}) };
      last = (await testLab(lab, options)).steps;
    } catch (error) {
      say((error as Error).message);
    } finally {
      running = false;
      say(dim(`\nWatching labs/${lab.id}: a save runs ${nextRun(steps, last)}.`));
      say(dim(`Keys: ${bold("h")} hint · ${bold("r")} run now · ${bold("a")} run every step · ${bold("q")} quit`));
      if (queued) {
        const next = queued;
        queued = undefined;
        void run(next);
      }
    }
  };

  let watcher: FSWatcher | undefined;
  try {
    let timer: NodeJS.Timeout | undefined;
    watcher = watch(lab.dir, { recursive: true }, (_event, file) => {
      if (file && /node_modules|\.workbook/.test(String(file))) return;
      clearTimeout(timer);
      timer = setTimeout(() => void run(), 250);
    });
    watcher.on("error", (error) => warn(`File watching stopped (${error.message}). Press r to run the tests.`));
  } catch (error) {
    warn(`File watching does not work here (${(error as Error).message}). Press r to run the tests after each change.`);
  }

  await run();
  await new Promise<void>((resolve) => {
    const quit = () => {
      watcher?.close();
      if (process.stdin.isTTY) {
        process.stdin.setRawMode(false);
        process.stdin.pause();
      } else {
        // A pipe paused from inside its own "data" handler stays open and keeps the process alive.
        process.stdin.destroy();
      }
      resolve();
    };
    const onKey = (key: string) => {
      if (key === "q" || key === "\u0003") quit();
      else if (key === "r") void run();
      else if (key === "a") void run("all");
      else if (key === "h") void showHint(lab, false);
    };
    if (process.stdin.isTTY) {
      emitKeypressEvents(process.stdin);
      process.stdin.setRawMode(true);
      process.stdin.on("keypress", (str: string | undefined, key: { ctrl?: boolean; name?: string }) => onKey(key?.ctrl && key.name === "c" ? "\u0003" : (str ?? "")));
    } else {
      // Without a terminal, read keys as lines ("h", "r", "a", "q").
      process.stdin.setEncoding("utf8");
      process.stdin.on("data", (chunk: string) => chunk.split(/\s+/).filter(Boolean).forEach((k) => onKey(k)));
      process.stdin.on("end", quit);
    }
    process.stdin.resume();
  });
}
