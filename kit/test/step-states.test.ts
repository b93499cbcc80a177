import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { StepResult } from "../progress.ts";
import { currentStep, notRunStep, runStepsInOrder, stepState, stepsLine, watchFrom, type StepState } from "../step-states.ts";

const pass = (passed = 2): StepResult => ({ passed, failed: 0, ran: true });
const fail = (failed = 1): StepResult => ({ passed: 1, failed, ran: true });

/** A step's outcome when run: pass, or fail with failing tests, or fail with no test at all. */
const outcome = fc.oneof(
  fc.integer({ min: 1, max: 5 }).map((passed) => pass(passed)),
  fc.integer({ min: 1, max: 5 }).map((failed) => fail(failed)),
  fc.constant<StepResult>({ passed: 0, failed: 0, ran: true }),
);

/** Expand a line back into states: "steps 1–2 pass · step 3 fails" is [pass, pass, fail]. */
function parseLine(line: string): StepState[] {
  const states: StepState[] = [];
  for (const part of line.split(" · ")) {
    const match = /^(?:step (\d+)|steps (\d+)–(\d+)) (passes|pass|fails|fail|not run)$/.exec(part);
    assert.ok(match, `"${part}" is a step or a range and a state`);
    const start = Number(match[1] ?? match[2]);
    const end = Number(match[1] ?? match[3]);
    assert.equal(start, states.length + 1, "ranges follow one another from step 1");
    assert.ok(end > start || match[1] !== undefined, "a range spans two steps or more");
    const state: StepState = match[4]!.startsWith("pass") ? "pass" : match[4]!.startsWith("fail") ? "fail" : "not-run";
    for (let i = start; i <= end; i++) states.push(state);
  }
  return states;
}

describe("step by step", () => {
  test("the one-line summary: one step, first step failing, all passing, ranges", () => {
    assert.equal(stepsLine(["fail"]), "step 1 fails");
    assert.equal(stepsLine(["pass"]), "step 1 passes");
    assert.equal(stepsLine(["fail", "not-run", "not-run"]), "step 1 fails · steps 2–3 not run");
    assert.equal(stepsLine(["pass", "pass", "fail", "not-run", "not-run"]), "steps 1–2 pass · step 3 fails · steps 4–5 not run");
    assert.equal(stepsLine(["pass", "pass", "pass"]), "steps 1–3 pass");
    assert.equal(stepsLine(["pass", "fail", "not-run"]), "step 1 passes · step 2 fails · step 3 not run");
    assert.equal(stepsLine(["fail", "pass", "fail", "fail"]), "step 1 fails · step 2 passes · steps 3–4 fail", "--all can fail several steps");
    assert.equal(stepsLine([]), "");
  });

  test("property: the summary names every step once, in order, with its state, and never splits a run of one state", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<StepState>("pass", "fail", "not-run"), { minLength: 1, maxLength: 12 }), (states) => {
        const line = stepsLine(states);
        assert.deepEqual(parseLine(line), states);
        const parts = line.split(" · ");
        const stateOf = (part: string) => (/ pass(es)?$/.test(part) ? "pass" : / fails?$/.test(part) ? "fail" : "not-run");
        for (let i = 1; i < parts.length; i++) assert.notEqual(stateOf(parts[i]!), stateOf(parts[i - 1]!), "neighbours in one state are one range");
      }),
    );
  });

  test("a step passes only when it ran, some test passed and none failed", () => {
    assert.equal(stepState(pass()), "pass");
    assert.equal(stepState(fail()), "fail");
    assert.equal(stepState({ passed: 0, failed: 0, ran: true }), "fail", "a step that ran no test does not pass");
    assert.equal(stepState(notRunStep()), "not-run", "a step that did not run is not failing");
    assert.equal(stepState(undefined), "not-run");
  });

  test("runs steps in order and stops at the first that fails: it passes 1–2, fails 3, never runs 4–5", async () => {
    const ran: number[] = [];
    const outcomes = [pass(), pass(), fail(), pass(), pass()];
    const results = await runStepsInOrder(5, async (i) => (ran.push(i), outcomes[i]!));
    assert.deepEqual(ran, [0, 1, 2]);
    assert.deepEqual(results.map(stepState), ["pass", "pass", "fail", "not-run", "not-run"]);
    assert.equal(stepsLine(results.map(stepState)), "steps 1–2 pass · step 3 fails · steps 4–5 not run");
    assert.deepEqual(results.slice(3), [notRunStep(), notRunStep()], "not run is recorded as 0 and 0 with ran false, not as failing");
  });

  test("property: exactly the steps up to the first failing one run; the rest are not run", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(outcome, { minLength: 1, maxLength: 10 }), async (outcomes) => {
        const ran: number[] = [];
        const results = await runStepsInOrder(outcomes.length, async (i) => (ran.push(i), outcomes[i]!));
        const firstFailing = outcomes.findIndex((o) => stepState(o) !== "pass");
        const last = firstFailing === -1 ? outcomes.length - 1 : firstFailing;
        assert.deepEqual(ran, Array.from({ length: last + 1 }, (_, i) => i), "steps run in order, none after the first failing");
        assert.equal(results.length, outcomes.length);
        assert.deepEqual(results.slice(0, last + 1), outcomes.slice(0, last + 1));
        for (const result of results.slice(last + 1)) assert.equal(stepState(result), "not-run");
        assert.match(results.map(stepState).join(","), /^(pass,)*(pass|fail)(,not-run)*$/);
        assert.equal(currentStep(results, outcomes.length), firstFailing, "the current step is where the run stopped");
      }),
    );
  });

  test("from a later step (watch): earlier steps keep their results and are not run again", async () => {
    const ran: number[] = [];
    const previous = [pass(3), pass(4), fail(2), notRunStep()];
    const results = await runStepsInOrder(4, async (i) => (ran.push(i), pass(1)), 2, previous);
    assert.deepEqual(ran, [2, 3], "step 3 passes now, so step 4 runs straight after");
    assert.deepEqual(results, [pass(3), pass(4), pass(1), pass(1)]);
  });

  test("watch's current step: the first not passing; step 1 again once all pass, before any run, or for another layout", () => {
    assert.equal(watchFrom(undefined, 3), 0, "before any run");
    assert.equal(watchFrom([pass(), fail(), notRunStep()], 3), 1);
    assert.equal(watchFrom([pass(), pass(), notRunStep()], 3), 2, "a step not run yet is the current one");
    assert.equal(watchFrom([fail(), notRunStep(), notRunStep()], 3), 0);
    assert.equal(watchFrom([pass(), pass(), pass()], 3), 0, "every step passes: a save checks the whole lab again");
    assert.equal(watchFrom([pass(), fail()], 3), 0, "results of another step count are not trusted");
    fc.assert(
      fc.property(fc.array(outcome, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 8 }), (head, cut) => {
        const results = [...head.slice(0, cut), ...head.slice(cut).map(() => notRunStep())];
        const from = watchFrom(results, results.length);
        assert.ok(results.slice(0, from).every((r) => stepState(r) === "pass"), "every step before the current one passes");
        if (from > 0 || currentStep(results, results.length) === 0) assert.notEqual(stepState(results[from]), "pass", "and the current one does not");
      }),
    );
  });
});
