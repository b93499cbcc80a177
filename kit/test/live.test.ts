import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { followTestRun, RunningTests } from "../runner/activity.ts";
import { runLabTests, type RunEvent } from "../runner/run-tests.ts";
import { formatElapsed, LiveStatus, liveText, quietText, type LiveClock } from "../terminal/live.ts";

/** A clock that moves only when the test says, and runs the timer's ticks as it goes. */
function fakeClock(): LiveClock & { advance(ms: number): void; timers: number } {
  let now = 0;
  const ticks: { every: number; next: number; tick: () => void }[] = [];
  return {
    now: () => now,
    every(ms, tick) {
      const entry = { every: ms, next: now + ms, tick };
      ticks.push(entry);
      return () => ticks.splice(ticks.indexOf(entry), 1);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = ticks.filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        now = due.next;
        due.next += due.every;
        due.tick();
      }
      now = end;
    },
    get timers() {
      return ticks.length;
    },
  };
}

/** A stream that records what was written. */
function fakeStream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (text: string) => writes.push(text), get text() { return writes.join(""); } };
}

const erase = "\r\x1b[2K";

describe("live status line: the text", () => {
  test("elapsed time reads in whole seconds, then minutes, then hours", () => {
    assert.equal(formatElapsed(0), "0 s");
    assert.equal(formatElapsed(12_900), "12 s");
    assert.equal(formatElapsed(65_000), "1 min 05 s");
    assert.equal(formatElapsed(3_720_000), "1 h 02 min");
  });

  test("the line is cut to the terminal's width, one column left free", () => {
    assert.equal(liveText("step 2 · sessions survive a restart", 12_000), "step 2 · sessions survive a restart · 12 s");
    const cut = liveText("step 2 · a test with a very long name indeed", 3000, 20);
    assert.equal([...cut].length, 19);
    assert.equal(cut, "step 2 · a test wi…");
  });

  test("the plain line for logs", () => {
    assert.equal(quietText("lab 09 · wrong solutions 3 of 17", 30_000), "still running: lab 09 · wrong solutions 3 of 17 (30 s)");
  });
});

describe("live status line on a terminal", () => {
  test("draws what runs, redraws as the time passes, and erases itself at the end", () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const live = new LiveStatus({ stream, clock });
    assert.equal(live.live, true);
    live.begin("step 1 · test/sessions.test.ts · keeps a session");
    assert.deepEqual(stream.writes, [`${erase}step 1 · test/sessions.test.ts · keeps a session · 0 s`]);
    clock.advance(900);
    assert.equal(stream.writes.length, 1, "nothing changed on screen within the first second, so nothing is written");
    clock.advance(1200);
    assert.equal(stream.writes.at(-1), `${erase}step 1 · test/sessions.test.ts · keeps a session · 2 s`);
    live.stop();
    assert.equal(stream.writes.at(-1), erase);
    assert.equal(clock.timers, 0, "stop() ends the timer");
    clock.advance(5000);
    assert.equal(stream.writes.at(-1), erase, "nothing is drawn after stop()");
  });

  test("an ordinary line erases the live line, is printed, and the live line comes back under it", () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const live = new LiveStatus({ stream, clock });
    live.begin("bench · yours run 1/3");
    clock.advance(3000);
    stream.writes.length = 0;
    live.print("  [yours 1/3] 200 requests");
    assert.deepEqual(stream.writes, [erase, "  [yours 1/3] 200 requests\n", `${erase}bench · yours run 1/3 · 3 s`]);
  });

  test("begin() restarts the clock; update() keeps it", () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const live = new LiveStatus({ stream, clock });
    live.begin("lab 01 · static checks");
    clock.advance(5000);
    live.update("lab 01 · starter and solved suites");
    assert.equal(stream.writes.at(-1), `${erase}lab 01 · starter and solved suites · 5 s`);
    live.begin("lab 02 · static checks");
    assert.equal(stream.writes.at(-1), `${erase}lab 02 · static checks · 0 s`);
  });

  test("never prints a 'still running' line", () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const live = new LiveStatus({ stream, clock });
    live.begin("lab 09");
    clock.advance(60_000);
    assert.ok(!stream.text.includes("still running"));
    assert.ok(!stream.text.includes("\n"), "the live line never ends a line");
    live.stop();
  });

  test("live: false, or TERM=dumb, turns the live line off on a terminal too", () => {
    const off = new LiveStatus({ stream: fakeStream(true), clock: fakeClock(), live: false });
    assert.equal(off.live, false);
    off.stop();
    const term = process.env.TERM;
    process.env.TERM = "dumb";
    try {
      const dumb = new LiveStatus({ stream: fakeStream(true), clock: fakeClock() });
      assert.equal(dumb.live, false);
      dumb.stop();
    } finally {
      if (term === undefined) delete process.env.TERM;
      else process.env.TERM = term;
    }
  });
});

describe("live status line off a terminal (CI logs, pipes)", () => {
  test("draws nothing live, and after 10 s without output prints one plain line, then again every 10 s", () => {
    const clock = fakeClock();
    const stream = fakeStream(false);
    const live = new LiveStatus({ stream, clock });
    assert.equal(live.live, false);
    live.begin("lab 09 · wrong solutions 3 of 17 · wrong/no-retries.patch");
    clock.advance(9_000);
    assert.deepEqual(stream.writes, [], "nothing before 10 s of quiet");
    clock.advance(1_000);
    assert.deepEqual(stream.writes, ["still running: lab 09 · wrong solutions 3 of 17 · wrong/no-retries.patch (10 s)\n"]);
    clock.advance(20_000);
    assert.deepEqual(stream.writes.slice(1), [
      "still running: lab 09 · wrong solutions 3 of 17 · wrong/no-retries.patch (20 s)\n",
      "still running: lab 09 · wrong solutions 3 of 17 · wrong/no-retries.patch (30 s)\n",
    ]);
    live.stop();
    assert.ok(!stream.text.includes("\x1b"), "no escape codes in a log");
  });

  test("ordinary lines are printed as they are and put off the next plain line", () => {
    const clock = fakeClock();
    const stream = fakeStream(false);
    const live = new LiveStatus({ stream, clock });
    live.begin("step 1 · test/a.test.ts · one");
    clock.advance(8_000);
    live.print("  ✓ one");
    clock.advance(8_000);
    assert.deepEqual(stream.writes, ["  ✓ one\n"], "8 s after the last line is not yet quiet for 10 s");
    clock.advance(2_000);
    assert.deepEqual(stream.writes, ["  ✓ one\n", "still running: step 1 · test/a.test.ts · one (18 s)\n"]);
    live.stop();
    assert.equal(stream.writes.length, 2, "stop() prints nothing off a terminal");
  });

  test("nothing is printed while nothing has begun", () => {
    const clock = fakeClock();
    const stream = fakeStream(false);
    const live = new LiveStatus({ stream, clock });
    clock.advance(60_000);
    assert.deepEqual(stream.writes, []);
    live.stop();
  });
});

describe("lab test's live line", () => {
  const steps = [
    { title: "one", tests: ["test/a.test.ts"], hints: ["x", "y"] },
    { title: "two", tests: ["test/b.test.ts"], hints: ["x", "y"] },
  ];
  const lab = path.join(tmpdir(), "lab");
  const file = (name: string) => path.join(lab, "test", name);

  test("shows the innermost test still running, with its step and file; a file alone while it loads", () => {
    const tests = new RunningTests(steps, lab);
    assert.equal(tests.current(), undefined);
    tests.event({ kind: "start", name: file("b.test.ts"), file: file("b.test.ts"), nesting: 0, wholeFile: true });
    assert.equal(tests.current()?.label, "step 2 · test/b.test.ts");
    tests.event({ kind: "start", name: "limits", file: file("b.test.ts"), nesting: 0 });
    tests.event({ kind: "start", name: "the 101st request gets 429", file: file("b.test.ts"), nesting: 1 });
    assert.equal(tests.current()?.label, "step 2 · test/b.test.ts · the 101st request gets 429");
    tests.event({ kind: "end", name: "the 101st request gets 429", file: file("b.test.ts"), nesting: 1 });
    assert.equal(tests.current()?.label, "step 2 · test/b.test.ts · limits");
  });

  test("between tests the last one stays; a file no step claims shows without a step", () => {
    const tests = new RunningTests(steps, lab);
    tests.event({ kind: "start", name: "x", file: file("other.test.ts"), nesting: 0 });
    tests.event({ kind: "end", name: "x", file: file("other.test.ts"), nesting: 0 });
    assert.equal(tests.current()?.label, "test/other.test.ts · x");
  });

  test("with two files side by side, a test that hangs is shown once the other file is done", () => {
    const tests = new RunningTests(steps, lab);
    tests.event({ kind: "start", name: "hangs", file: file("a.test.ts"), nesting: 0 });
    tests.event({ kind: "start", name: "quick", file: file("b.test.ts"), nesting: 0 });
    assert.equal(tests.current()?.label, "step 2 · test/b.test.ts · quick");
    tests.event({ kind: "end", name: "quick", file: file("b.test.ts"), nesting: 0 });
    assert.equal(tests.current()?.label, "step 1 · test/a.test.ts · hangs");
  });

  test("each test's time counts from its own start", () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const live = new LiveStatus({ stream, clock });
    const onEvent = followTestRun(live, steps, lab);
    assert.equal(stream.writes.at(-1), `${erase}starting node --test · 0 s`);
    clock.advance(2000);
    onEvent({ kind: "start", name: "first", file: file("a.test.ts"), nesting: 0 });
    clock.advance(3000);
    assert.equal(stream.writes.at(-1), `${erase}step 1 · test/a.test.ts · first · 3 s`);
    onEvent({ kind: "end", name: "first", file: file("a.test.ts"), nesting: 0 });
    onEvent({ kind: "start", name: "second", file: file("a.test.ts"), nesting: 0 });
    assert.equal(stream.writes.at(-1), `${erase}step 1 · test/a.test.ts · second · 0 s`);
    live.stop();
  });

  test("a suite shown again between its tests keeps counting from the suite's own start", () => {
    const clock = fakeClock();
    const stream = fakeStream(true);
    const live = new LiveStatus({ stream, clock });
    const onEvent = followTestRun(live, steps, lab);
    onEvent({ kind: "start", name: "sessions", file: file("a.test.ts"), nesting: 0 });
    clock.advance(1000);
    onEvent({ kind: "start", name: "one", file: file("a.test.ts"), nesting: 1 });
    clock.advance(4000);
    onEvent({ kind: "end", name: "one", file: file("a.test.ts"), nesting: 1 });
    assert.equal(stream.writes.at(-1), `${erase}step 1 · test/a.test.ts · sessions · 5 s`);
    live.stop();
  });

  test("a real node --test run reports tests starting and ending, and they are not counted as results", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kit-live-"));
    await mkdir(path.join(dir, "test"));
    await writeFile(
      path.join(dir, "test/a.test.ts"),
      'import { describe, test } from "node:test";\ndescribe("suite", () => {\n  test("slow one", () => new Promise((r) => setTimeout(r, 200)));\n  test("quick one", () => {});\n});\n',
    );
    const clock = fakeClock();
    const stream = fakeStream(true, 200);
    const live = new LiveStatus({ stream, clock });
    const events: RunEvent[] = [];
    const follow = followTestRun(live, [{ title: "one", tests: ["test/a.test.ts"], hints: ["x", "y"] }], dir);
    const summary = await runLabTests({ labDir: dir, files: ["test/a.test.ts"], env: {}, onEvent: (e) => (events.push(e), follow(e)) });
    live.stop();
    assert.deepEqual([summary.passed, summary.failed, summary.skipped], [2, 0, 0]);
    const started = events.filter((e) => e.kind === "start").map((e) => `${e.wholeFile ? "file " : ""}${e.wholeFile ? path.relative(dir, e.name) : e.name}`);
    assert.deepEqual(started, ["file test/a.test.ts", "suite", "slow one", "quick one"]);
    assert.equal(events.filter((e) => e.kind === "end").length, 4);
    assert.ok(stream.writes.includes(`${erase}step 1 · test/a.test.ts · slow one · 0 s`), stream.writes.join("\n"));
  });
});
