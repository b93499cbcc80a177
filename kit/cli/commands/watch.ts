import { watch, type FSWatcher } from "node:fs";
import { emitKeypressEvents } from "node:readline";
import type { Lab } from "../../labs.ts";
import { bold, dim, say, warn } from "../../terminal/output.ts";
import { showHint } from "./hint.ts";
import { testLab } from "./test.ts";

/** Re-run the lab's tests whenever a file under it changes. Keys: h hint, r run now, q quit. */
export async function watchLab(lab: Lab): Promise<void> {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      process.stdout.write("\x1b[2J\x1b[H".repeat(process.stdout.isTTY ? 1 : 0));
      await testLab(lab).catch((error: Error) => say(error.message));
    } finally {
      running = false;
      say(dim(`\nWatching labs/${lab.id}. Keys: ${bold("h")} hint · ${bold("r")} run now · ${bold("q")} quit`));
      if (again) {
        again = false;
        void run();
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
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.pause();
      resolve();
    };
    const onKey = (key: string) => {
      if (key === "q" || key === "\u0003") quit();
      else if (key === "r") void run();
      else if (key === "h") void showHint(lab, false);
    };
    if (process.stdin.isTTY) {
      emitKeypressEvents(process.stdin);
      process.stdin.setRawMode(true);
      process.stdin.on("keypress", (str: string | undefined, key: { ctrl?: boolean; name?: string }) => onKey(key?.ctrl && key.name === "c" ? "\u0003" : (str ?? "")));
    } else {
      // Without a terminal, read keys as lines ("h", "r", "q").
      process.stdin.setEncoding("utf8");
      process.stdin.on("data", (chunk: string) => chunk.split(/\s+/).filter(Boolean).forEach((k) => onKey(k)));
      process.stdin.on("end", quit);
    }
    process.stdin.resume();
  });
}
