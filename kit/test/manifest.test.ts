import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { labManifestSchema, ManifestError, parseManifest, stepProblems, stepSchema } from "../manifest/schema.ts";

const valid = {
  id: "02-cache-aside",
  title: "Cache-aside with Redis",
  order: 2,
  lesson: "cache-aside",
  summary: "Serve hot reads from Redis and invalidate on write.",
  services: ["redis", "mongo"],
  files: ["src/users.ts"],
  steps: [
    { title: "Cache reads in Redis", tests: ["test/step1-cache.test.ts"], hints: ["the concept", "the approach", "near-code"] },
    { title: "Invalidate on write", tests: ["test/step2-invalidate.test.ts", "test/fuzz.test.ts"], hints: ["the concept", "near-code"] },
  ],
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
      [{ ...valid, services: ["mysql"] }, /field "services\.0"/],
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

  test("checkJobs: a whole number from 1 to 6, or absent", () => {
    assert.deepEqual(problemsOf({ ...valid, checkJobs: 5 }), []);
    for (const bad of [0, 7, 2.5, "4"]) assert.ok(problemsOf({ ...valid, checkJobs: bad }).some((p) => p.startsWith('field "checkJobs"')), `checkJobs ${JSON.stringify(bad)} should be refused`);
  });

  test("estimatedMinutes: at most 240 for a lab; only a capstone may estimate up to 360", () => {
    assert.deepEqual(problemsOf({ ...valid, estimatedMinutes: 240 }), []);
    assert.ok(problemsOf({ ...valid, estimatedMinutes: 300 }).some((p) => /field "estimatedMinutes": must be at most 240 for a lab; only a capstone \("capstone": true\) may estimate up to 360/.test(p)));
    assert.ok(problemsOf({ ...valid, capstone: false, estimatedMinutes: 241 }).some((p) => p.startsWith('field "estimatedMinutes"')));
    assert.deepEqual(problemsOf({ ...valid, capstone: true, estimatedMinutes: 300 }), []);
    assert.deepEqual(problemsOf({ ...valid, capstone: true, estimatedMinutes: 360 }), []);
    assert.ok(problemsOf({ ...valid, capstone: true, estimatedMinutes: 361 }).some((p) => p.startsWith('field "estimatedMinutes"')));
    assert.ok(problemsOf({ ...valid, capstone: "yes" }).some((p) => p.startsWith('field "capstone"')));
  });

  test("reports a missing field by name", () => {
    const { title: _title, ...rest } = valid;
    assert.ok(problemsOf(rest).some((p) => p.startsWith('field "title"')));
  });

  test("rejects JSON that does not parse, and an id that differs from the folder", () => {
    assert.match(problemsOf("{ nope")[0] ?? "", /not valid JSON/);
    assert.match(problemsOf(valid, "03-queues")[0] ?? "", /field "id": must be "03-queues"/);
  });

  test("every field of the schema documents itself with .describe()", () => {
    const undocumented: string[] = [];
    const visit = (shape: Record<string, { description?: string }>, where: string) => {
      for (const [key, field] of Object.entries(shape)) if (!field.description) undocumented.push(`${where}${key}`);
    };
    visit(labManifestSchema.shape, "");
    visit(stepSchema.shape, "steps[].");
    assert.deepEqual(undocumented, []);
  });
});

const { steps: _steps, ...withoutSteps } = valid;
const stepped = valid;

describe("lab manifest steps (hint ladders)", () => {
  test("accepts steps, each with its test files and a ladder of two to four rungs", () => {
    assert.deepEqual(parseManifest("02-cache-aside", JSON.stringify(stepped)), stepped);
  });

  test("steps are required, and the old flat hint list gets a message saying what replaced it", () => {
    assert.ok(problemsOf(withoutSteps).some((p) => p.startsWith('field "steps"')));
    const legacy = problemsOf({ ...withoutSteps, hints: ["one", "two", "three"], extra: 1 });
    assert.ok(legacy.some((p) => /field "hints": a flat hint list is no longer read; give each step its own ladder/.test(p)), JSON.stringify(legacy));
    assert.ok(legacy.some((p) => /unrecognized key\(s\) "extra"/.test(p)), "other unknown keys are still named");
  });

  test("names the step, the field and what is wrong", () => {
    const step = stepped.steps[0]!;
    const cases: [unknown[], RegExp][] = [
      [[], /field "steps": must have at least one step/],
      [[{ ...step, hints: ["only one"] }], /field "steps\.0\.hints": must have at least two rungs/],
      [[{ ...step, hints: ["a", "b", "c", "d", "e"] }], /field "steps\.0\.hints": must have at most four rungs/],
      [[{ ...step, hints: ["a", "  "] }], /field "steps\.0\.hints\.1": must not be empty/],
      [[{ ...step, tests: [] }], /field "steps\.0\.tests": must name at least one test file/],
      [[{ ...step, tests: ["src/app.ts"] }], /field "steps\.0\.tests\.0": must be a test file of the lab/],
      [[{ ...step, tests: ["test/../../x.test.ts"] }], /field "steps\.0\.tests\.0": must be a test file of the lab/],
      [[step, { ...step, title: "Again" }], /field "steps\.1\.tests\.0": "test\/step1-cache\.test\.ts" already belongs to step 1/],
      [[{ ...step, title: "" }], /field "steps\.0\.title"/],
      [[{ ...step, extra: 1 }], /extra/],
    ];
    for (const [steps, expected] of cases) {
      const problems = problemsOf({ ...withoutSteps, steps });
      assert.ok(problems.some((p) => expected.test(p)), `expected a problem matching ${expected}; got ${JSON.stringify(problems)}`);
    }
  });

  test("stepProblems names test files no step claims and files a step names that do not exist", () => {
    const manifest = parseManifest("02-cache-aside", JSON.stringify(stepped));
    const onDisk = ["test/step1-cache.test.ts", "test/fuzz.test.ts", "test/extra.test.ts"];
    assert.deepEqual(stepProblems(manifest, onDisk), [
      'field "steps.1.tests": "test/step2-invalidate.test.ts" does not exist in the lab\'s test/ folder',
      'field "steps": no step lists "test/extra.test.ts"; every test file belongs to exactly one step',
    ]);
    assert.deepEqual(stepProblems(manifest, ["test/step1-cache.test.ts", "test/step2-invalidate.test.ts", "test/fuzz.test.ts"]), []);
  });
});
