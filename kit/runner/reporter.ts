/**
 * A node:test reporter that turns the run into JSON lines the kit can summarise:
 * one line per finished test (leaf tests only) plus anything a test printed, and "start"/"end" lines as
 * tests, suites and test files begin and end running, for the live status line.
 * Used as `node --test --test-reporter=<this file>`.
 */
import path from "node:path";
interface TestEvent {
  type: string;
  data: {
    name?: string;
    nesting?: number;
    file?: string;
    skip?: boolean | string;
    todo?: boolean | string;
    message?: string;
    details?: { type?: string; duration_ms?: number; error?: unknown };
  };
}

/**
 * The failure in the test's own words, whole: node:test wraps the thrown error, so start from its cause, and
 * keep every nested cause (fast-check reports "Property failed" and puts the assertion that failed, with
 * the values, in `cause`).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const thrown = (error as { cause?: unknown }).cause instanceof Error ? ((error as { cause: Error }).cause) : error;
  const parts = [shortenPropertyFailure(thrown.message) || thrown.name];
  let inner = (thrown as { cause?: unknown }).cause;
  for (let depth = 0; inner instanceof Error && depth < 5; depth++) {
    parts.push(`Caused by: ${inner.message || inner.name}`);
    inner = (inner as { cause?: unknown }).cause;
  }
  return parts.join("\n");
}

/**
 * fast-check's "Property failed after 1 tests / { seed: ... } / Counterexample: [...] / Shrunk 3 time(s) /
 * Hint: Enable verbose mode ..." is for someone who knows fast-check. The learner needs the values that
 * failed (the counterexample) and why (the cause that follows): the rest is dropped. Other messages pass as they are.
 */
export function shortenPropertyFailure(message: string): string {
  if (!/^Property failed after \d+ tests?\b/.test(message)) return message;
  const kept = message.split("\n").filter((line) => /^Counterexample: /.test(line) || /^Got error: /.test(line));
  return kept.length > 0 ? kept.join("\n") : message;
}

export default async function* reporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  for await (const event of source) {
    const { type, data } = event;
    if (type === "test:pass" || type === "test:fail") {
      // Suites report too; only leaf tests count towards "N of M passing".
      if (data.details?.type === "suite") {
        // A suite fails on its own only when a hook or its body throws; "subtests failed" is already counted.
        const error = data.details.error as { failureType?: string } | undefined;
        if (type === "test:fail" && error && error.failureType !== "subtestsFailed") {
          yield `${JSON.stringify({ kind: "fail", name: data.name, file: data.file, error: describeError(error) })}\n`;
        }
        continue;
      }
      // A hook registered at a file's top level (test/helpers.ts's after(), say) that fails is reported
      // as a "test" named after the file it lives in. It is a failure, but not a test of the lab: say which.
      if (type === "test:fail" && data.file && data.name === data.file) {
        const where = path.relative(process.cwd(), data.file).split(path.sep).join("/");
        yield `${JSON.stringify({ kind: "fail", name: `a before/after hook in ${where} failed (not a test)`, file: data.file, error: describeError(data.details?.error) })}\n`;
        continue;
      }
      const skipped = Boolean(data.skip) || Boolean(data.todo);
      yield `${JSON.stringify({
        kind: skipped ? "skip" : type === "test:pass" ? "pass" : "fail",
        name: data.name,
        file: data.file,
        ms: data.details?.duration_ms,
        ...(typeof data.skip === "string" ? { reason: data.skip } : {}),
        ...(type === "test:fail" ? { error: describeError(data.details?.error) } : {}),
      })}\n`;
    } else if (type === "test:dequeue" || type === "test:complete") {
      // dequeue comes right before a test runs and complete right after (test:start and test:pass wait for
      // the report order). A whole test file is one too, named after the path it was given as.
      const whole = data.file !== undefined && data.name !== undefined && path.resolve(data.name) === path.resolve(data.file);
      yield `${JSON.stringify({ kind: type === "test:dequeue" ? "start" : "end", name: data.name, file: data.file, nesting: data.nesting, ...(whole ? { wholeFile: true } : {}) })}\n`;
    } else if (type === "test:stdout" || type === "test:stderr") {
      yield `${JSON.stringify({ kind: "output", text: data.message })}\n`;
    }
  }
}
