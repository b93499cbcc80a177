import { styleText } from "node:util";
import { LiveStatus, type LiveOptions } from "./live.ts";

type Style = Parameters<typeof styleText>[0];

/** Colour only when stdout is a terminal (styleText checks the stream, NO_COLOR and FORCE_COLOR). */
const paint = (style: Style) => (text: string) => styleText(style, text, { stream: process.stdout });

export const green = paint("green");
export const red = paint("red");
export const yellow = paint("yellow");
export const dim = paint("dim");
export const bold = paint("bold");

// `npm run lab -- list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

/** The live status line on stdout, while one runs: every line printed meanwhile goes around it. */
let live: LiveStatus | undefined;

export const say = (line = "") => {
  if (live?.running) live.print(line);
  else process.stdout.write(`${line}\n`);
};
export const warn = (line: string) => {
  const write = () => process.stderr.write(`${styleText("yellow", "warning:", { stream: process.stderr })} ${line}\n`);
  if (live?.running) live.aside(write);
  else write();
};

/**
 * Start the live status line on stdout (see live.ts): redrawn on a terminal, a "still running" line now and
 * then elsewhere. Until its stop(), `say` and `warn` print around it. One at a time: a new one replaces the last.
 */
export function startLiveStatus(options: Partial<LiveOptions> = {}): LiveStatus {
  live?.stop();
  if (!live) process.once("exit", () => live?.stop());
  live = new LiveStatus({ stream: process.stdout, ...options });
  return live;
}

/** Pad a table of strings into aligned columns. */
export function table(rows: string[][], gap = 2): string[] {
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(cell))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visible(cell) + gap))).join("").trimEnd());
}
