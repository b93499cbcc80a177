import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LabStep } from "../manifest/schema.ts";
import type { LiveStatus } from "../terminal/live.ts";
import type { RunEvent } from "./run-tests.ts";

/** What a test run is doing now, for the live status line: "step 2 · test/x.test.ts · <test name>". */
export interface Activity {
  /** Changes when another test is shown, so its time is counted from its own start. */
  key: string;
  label: string;
}

/**
 * Follows a run's start and end events and names the test to show: the most recently started one that is
 * still running (the innermost, when tests nest); when only a test file is running, the file (it is loading);
 * between tests, the last one shown stays. Several files may run side by side: a test that hangs is shown
 * once the others have finished.
 */
export class RunningTests {
  readonly #steps: readonly LabStep[];
  readonly #labDir: string;
  #running: { key: string; event: RunEvent }[] = [];
  #started = 0;
  #last: Activity | undefined;

  constructor(steps: readonly LabStep[], labDir: string) {
    this.#steps = steps;
    this.#labDir = labDir;
  }

  event(event: RunEvent): void {
    const id = `${event.file ?? ""}\0${event.nesting ?? 0}\0${event.name}`;
    if (event.kind === "start") this.#running.push({ key: `${id}\0${++this.#started}`, event });
    else {
      const index = this.#running.findIndex((r) => r.key.startsWith(`${id}\0`));
      if (index !== -1) this.#running.splice(index, 1);
    }
    const shown = this.#running.filter((r) => !r.event.wholeFile).at(-1) ?? this.#running.at(-1);
    if (shown) this.#last = { key: shown.key, label: this.#label(shown.event) };
  }

  /** What to show now, or undefined before anything has started. */
  current(): Activity | undefined {
    return this.#last;
  }

  #label(event: RunEvent): string {
    const file = event.file ? path.relative(this.#labDir, event.file.startsWith("file:") ? fileURLToPath(event.file) : event.file).split(path.sep).join("/") : undefined;
    const step = file === undefined ? -1 : this.#steps.findIndex((s) => s.tests.includes(file));
    const parts = [...(step === -1 ? [] : [`step ${step + 1}`]), ...(file ? [file] : []), ...(event.wholeFile ? [] : [event.name])];
    return parts.join(" · ");
  }
}

/** An onEvent for runLabTests that keeps `live` on the test running now, with the time since that test started. */
export function followTestRun(live: LiveStatus, steps: readonly LabStep[], labDir: string): (event: RunEvent) => void {
  const tests = new RunningTests(steps, labDir);
  const startedAt = new Map<string, number>();
  let shownKey: string | undefined;
  live.begin("starting node --test");
  return (event) => {
    tests.event(event);
    const now = tests.current();
    if (!now) return;
    if (!startedAt.has(now.key)) startedAt.set(now.key, live.now());
    if (now.key !== shownKey) live.begin(now.label, startedAt.get(now.key));
    else live.update(now.label);
    shownKey = now.key;
  };
}
