import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManifestError, parseManifest } from "../manifest/schema.ts";

const valid = {
  id: "02-cache-aside",
  title: "Cache-aside with Redis",
  order: 2,
  lesson: "cache-aside",
  summary: "Serve hot reads from Redis and invalidate on write.",
  services: ["redis", "mongo"],
  files: ["src/users.ts"],
  hints: ["one", "two", "three"],
  estimatedMinutes: 45,
};

function problemsOf(raw: unknown, lab = "02-cache-aside"): string[] {
  try {
    parseManifest(lab, typeof raw === "string" ? raw : JSON.stringify(raw));
  } catch (error) {
    assert.ok(error instanceof ManifestError, `expected a ManifestError, got ${String(error)}`);
    assert.match(error.message, new RegExp(`labs/${lab}/lab.json`), "the message must name the lab");
    return error.problems;
  }
  return [];
}

describe("lab manifest schema", () => {
  test("accepts a complete manifest", () => {
    assert.deepEqual(parseManifest("02-cache-aside", JSON.stringify(valid)), valid);
  });

  test("names the field and what is wrong", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...valid, hints: ["one", "two"] }, /field "hints": must have at least three hints/],
      [{ ...valid, hints: ["one", " ", "three"] }, /field "hints\.1": must not be empty/],
      [{ ...valid, services: ["postgres"] }, /field "services\.0"/],
      [{ ...valid, order: 3 }, /field "order": must be 2/],
      [{ ...valid, files: [] }, /field "files": must list at least one file/],
      [{ ...valid, files: ["../kit/cli.ts"] }, /field "files\.0": must be a relative path inside the lab folder/],
      [{ ...valid, estimatedMinutes: "soon" }, /field "estimatedMinutes"/],
      [{ ...valid, lesson: "Cache Aside" }, /field "lesson": must be a lesson slug/],
      [{ ...valid, extra: true }, /extra/],
    ];
    for (const [raw, expected] of cases) {
      const problems = problemsOf(raw);
      assert.ok(problems.some((p) => expected.test(p)), `expected a problem matching ${expected}; got ${JSON.stringify(problems)}`);
    }
  });

  test("reports a missing field by name", () => {
    const { title: _title, ...rest } = valid;
    assert.ok(problemsOf(rest).some((p) => p.startsWith('field "title"')));
  });

  test("rejects JSON that does not parse, and an id that differs from the folder", () => {
    assert.match(problemsOf("{ nope")[0] ?? "", /not valid JSON/);
    assert.match(problemsOf(valid, "03-queues")[0] ?? "", /field "id": must be "03-queues"/);
  });
});
