/**
 * A live status line for long runs (`lab test`, `lab bench`, `lab check`): what is running and for how long.
 *
 * On a terminal it is one line at the bottom, redrawn every `redrawMs`, erased before any other line is
 * printed (then drawn again under it) and at the end. Off a terminal (CI logs, a pipe) nothing is redrawn:
 * after `quietMs` without any output it prints one plain line, "still running: <what> (<time>)", so a log
 * that would otherwise sit silent for minutes shows the run is alive and where it is.
 */

/** The part of a writable stream the line needs (process.stdout, or a fake in tests). */
export interface LiveStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width; the line is cut to fit, as a wrapped line cannot be erased in place. */
  columns?: number;
}

/** Time and a repeating timer, replaceable in tests. */
export interface LiveClock {
  now(): number;
  /** Call `tick` every `ms` until the returned function is called; must not keep the process alive. */
  every(ms: number, tick: () => void): () => void;
}

export const systemClock: LiveClock = {
  now: () => performance.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface LiveOptions {
  stream: LiveStream;
  clock?: LiveClock;
  /** Redraw a terminal's line this often (default 250 ms). */
  redrawMs?: number;
  /** Off a terminal, a plain line after this long without output (default 10 s). */
  quietMs?: number;
  /** Draw a live line at all; default: the stream is a terminal that is not TERM=dumb. */
  live?: boolean;
}

/** CSI 2K erases the whole line the cursor is on (ECMA-48 EL); CR returns to its start. */
const eraseLine = "\r\x1b[2K";

/** "7 s", "1 min 05 s", "1 h 02 min": whole seconds, as a person reads a clock. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** The terminal line: "<what> · <time>", cut with "…" to fit `columns` (one column is left free for the cursor). */
export function liveText(what: string, elapsedMs: number, columns?: number): string {
  const text = `${what} · ${formatElapsed(elapsedMs)}`;
  const width = columns && columns > 1 ? columns - 1 : Infinity;
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}

/** The plain line for logs: "still running: <what> (<time>)". */
export function quietText(what: string, elapsedMs: number): string {
  return `still running: ${what} (${formatElapsed(elapsedMs)})`;
}

export class LiveStatus {
  readonly live: boolean;
  readonly #stream: LiveStream;
  readonly #clock: LiveClock;
  readonly #quietMs: number;
  #what = "";
  #since: number;
  #lastOutput: number;
  /** What the terminal shows on the live line now ("" when nothing). */
  #shown = "";
  #stopTimer: (() => void) | undefined;

  constructor(options: LiveOptions) {
    this.#stream = options.stream;
    this.#clock = options.clock ?? systemClock;
    this.#quietMs = options.quietMs ?? 10_000;
    this.live = options.live ?? (Boolean(options.stream.isTTY) && process.env.TERM !== "dumb");
    this.#since = this.#lastOutput = this.#clock.now();
    // Off a terminal a check every second is plenty; on one, the redraw rate.
    this.#stopTimer = this.#clock.every(this.live ? (options.redrawMs ?? 250) : 1000, () => this.tick());
  }

  /** Something new starts running: show it, and count its time from now (or from `since`, a time of now()). */
  begin(what: string, since = this.#clock.now()): void {
    this.#what = what;
    this.#since = since;
    this.#draw();
  }

  /** The clock's time, for a caller that remembers when things started and passes it to begin(). */
  now(): number {
    return this.#clock.now();
  }

  /** Say more about what is running (the next phase, a count) without restarting its clock. */
  update(what: string): void {
    this.#what = what;
    this.#draw();
  }

  /** Print an ordinary line: the live line is erased first and drawn again below it. */
  print(line: string): void {
    this.aside(() => this.#stream.write(`${line}\n`));
  }

  /** Write something else to the terminal (stderr, say) with the live line out of the way. */
  aside(write: () => void): void {
    this.#erase();
    write();
    this.#lastOutput = this.#clock.now();
    this.#draw();
  }

  /** Called by the timer: redraw the elapsed time, or off a terminal, say the run is alive after a quiet spell. */
  tick(): void {
    if (!this.#stopTimer || !this.#what) return;
    const now = this.#clock.now();
    if (this.live) this.#draw();
    else if (now - this.#lastOutput >= this.#quietMs) {
      this.#stream.write(`${quietText(this.#what, now - this.#since)}\n`);
      this.#lastOutput = now;
    }
  }

  /** True until stop(). */
  get running(): boolean {
    return this.#stopTimer !== undefined;
  }

  /** Erase the line and stop the timer; prints nothing more. */
  stop(): void {
    this.#stopTimer?.();
    this.#stopTimer = undefined;
    this.#erase();
  }

  #draw(): void {
    if (!this.live || !this.#stopTimer || !this.#what) return;
    const text = liveText(this.#what, this.#clock.now() - this.#since, this.#stream.columns);
    if (text === this.#shown) return;
    this.#stream.write(`${eraseLine}${text}`);
    this.#shown = text;
  }

  #erase(): void {
    if (!this.#shown) return;
    this.#stream.write(eraseLine);
    this.#shown = "";
  }
}
