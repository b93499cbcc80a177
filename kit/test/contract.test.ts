import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { containsLine } from "../contract/leaks.ts";
import { parseWrongHeader } from "../contract/wrong.ts";
import { wrongJobsFor } from "../contract/check.ts";
import { defaultSteps, fixtureWorkbook, labCli, labId, productLine, removeFixtures, solvedCalc, starterCalc, sumLine, wrongPatch } from "./fixture-lab.ts";

after(removeFixtures);

const lab = (root: string, file: string) => path.join(root, "labs", labId, file);
const solution = (root: string, file: string) => path.join(root, "solutions", labId, file);
const subtracts = () => wrongPatch({ wrong: "subtracts instead of adding", breaks: "sum returns the sum", caughtBy: "test/sum.test.ts" }, solvedCalc.replace("a + b", "a - b"));

describe("the contract check", () => {
  test("passes on an honest lab: the starter fails, the solution passes", async () => {
    const run = labCli(await fixtureWorkbook(), ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /starter fails\s+ok/);
    assert.match(run.out, /solution passes\s+ok/);
    assert.match(run.out, /check: 1 passed, 0 failed/);
  });

  test("fails when a solution file is removed", async () => {
    const root = await fixtureWorkbook();
    await rm(solution(root, "src/calc.ts"));
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /solution files\s+BREACH\s+missing: src\/calc\.ts/);
  });

  test("fails when the starter already passes (the starter replaced by its solution)", async () => {
    const root = await fixtureWorkbook({ starter: solvedCalc.replace("export function sum", "// TODO(1): done\nexport function sum") });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /starter fails\s+BREACH\s+all \d+ tests pass on the starter/);
  });

  test("fails on a stray solution file, a missing README section or a starter without TODO markers", async () => {
    const root = await fixtureWorkbook({ starter: starterCalc.replace(/TODO\((\d)\)/g, "NOTE($1)") });
    await writeFile(solution(root, "src/extra.ts"), "export {};\n");
    await writeFile(lab(root, "README.md"), (await readFile(lab(root, "README.md"), "utf8")).replace("## Measure it", "## Measuring"));
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /solution files\s+BREACH\s+stray \(not in lab\.json files\): src\/extra\.ts/);
    assert.match(run.out, /README sections\s+BREACH\s+missing section\(s\): Measure it/);
    assert.match(run.out, /TODO markers\s+BREACH/);
  });
});

describe("stored wrong solutions", () => {
  test("run 3 at a time, or the lab's checkJobs; WORKBOOK_CHECK_JOBS wins over both", () => {
    assert.equal(wrongJobsFor({}, {}), 3);
    assert.equal(wrongJobsFor({ checkJobs: 5 }, {}), 5);
    assert.equal(wrongJobsFor({ checkJobs: 5 }, { WORKBOOK_CHECK_JOBS: "1" }), 1);
    assert.equal(wrongJobsFor({}, { WORKBOOK_CHECK_JOBS: "2" }), 2);
    assert.equal(wrongJobsFor({ checkJobs: 4 }, { WORKBOOK_CHECK_JOBS: "zero" }), 4);
  });

  test("a wrong solution that its named test file rejects is ok, and does not count as a stray solution file", async () => {
    const root = await fixtureWorkbook({ wrong: { "subtracts.patch": subtracts() } });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /wrong\/subtracts\.patch\s+rejected\s+test\/sum\.test\.ts fails: sum adds two numbers/);
    assert.match(run.out, /wrong solutions: 1 rejected of 1/);
    assert.match(run.out, /solution files\s+ok/);
  });

  test("a wrong solution whose named test file passes is a breach, by name", async () => {
    const root = await fixtureWorkbook({
      wrong: {
        "subtracts.patch": subtracts(),
        // Caught by sum.test.ts, but the header names product.test.ts, which still passes.
        "names-the-wrong-file.patch": wrongPatch({ wrong: "subtracts", breaks: "sum returns the sum", caughtBy: "test/product.test.ts" }, solvedCalc.replace("a + b", "a - b")),
      },
    });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /wrong\/names-the-wrong-file\.patch\s+BREACH\s+test\/product\.test\.ts passes \(1 test\): this wrong solution is not caught/);
    assert.match(run.out, /wrong\/subtracts\.patch\s+rejected/);
    assert.match(run.out, /wrong solutions: 1 rejected of 2/);
    assert.match(run.out, /check: 0 passed, 1 failed/);
  });

  test("a header naming a test file that does not exist is a breach", async () => {
    const root = await fixtureWorkbook({ wrong: { "missing-file.patch": wrongPatch({ wrong: "subtracts", breaks: "sum", caughtBy: "test/sums.test.ts" }, solvedCalc.replace("a + b", "a - b")) } });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /wrong\/missing-file\.patch\s+BREACH\s+caught-by names test\/sums\.test\.ts, which does not exist/);
  });

  test("a patch that does not apply over the solution is a breach", async () => {
    const stale = wrongPatch({ wrong: "subtracts", breaks: "sum", caughtBy: "test/sum.test.ts" }, solvedCalc.replace("a + b", "a - b"), "src/calc.ts", solvedCalc.replace("left to right", "in order"));
    const root = await fixtureWorkbook({ wrong: { "stale.patch": stale, "subtracts.patch": subtracts() } });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /wrong\/stale\.patch\s+BREACH\s+does not apply over the solution/);
    // The scratch copy is restored between patches: the next one still applies and is rejected.
    assert.match(run.out, /wrong\/subtracts\.patch\s+rejected/);
  });

  test("a missing header line and a patch touching a file the learner does not edit are breaches", async () => {
    const root = await fixtureWorkbook({
      wrong: {
        "no-breaks-line.patch": wrongPatch({ wrong: "subtracts", caughtBy: "test/sum.test.ts" }, solvedCalc.replace("a + b", "a - b")),
        "edits-a-test.patch": wrongPatch({ wrong: "weakens the test", breaks: "sum", caughtBy: "test/sum.test.ts" }, "export {};\n", "test/product.test.ts", "import assert from \"node:assert/strict\";\n"),
      },
    });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /wrong\/no-breaks-line\.patch\s+BREACH\s+header line 2 must be "# breaks: <one line>"/);
    assert.match(run.out, /wrong\/edits-a-test\.patch\s+BREACH\s+touches test\/product\.test\.ts, which the learner does not edit/);
  });

  test("each patch runs over the solution, not over the previous patch", async () => {
    // Both patches change the same line; the second applies only if the first was undone.
    const root = await fixtureWorkbook({
      wrong: {
        "a-subtracts.patch": subtracts(),
        "b-multiplies.patch": wrongPatch({ wrong: "multiplies", breaks: "sum returns the sum", caughtBy: "test/sum.test.ts" }, solvedCalc.replace("a + b", "a * b")),
        "c-divides.patch": wrongPatch({ wrong: "divides", breaks: "sum returns the sum", caughtBy: "test/sum.test.ts" }, solvedCalc.replace("a + b", "a / b")),
      },
    });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /wrong solutions: 3 rejected of 3/);
  });

  test("a header that names its test runs that test alone first, and falls back to the whole file", async () => {
    // a - b fails both sum tests; alone, the named one (the file's second) is the one reported.
    const named = (test: string, after: string) => wrongPatch({ wrong: "breaks sum", breaks: "sum returns the sum", caughtBy: `test/sum.test.ts › ${test}` }, solvedCalc.replace("a + b", after));
    const root = await fixtureWorkbook({
      wrong: {
        "a-named-test-fails.patch": named("sum handles negatives", "a - b"),
        // Only sum(2, 3) is wrong: the named test passes alone, and the rest of the file still catches it.
        "b-named-test-passes.patch": named("sum handles negatives", "(a === 2 ? 0 : a + b)"),
        "c-named-test-gone.patch": named("sum handles (renamed) [1]", "a - b"),
      },
    });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /wrong\/a-named-test-fails\.patch\s+rejected\s+test\/sum\.test\.ts fails: sum handles negatives \(/);
    assert.match(run.out, /wrong\/b-named-test-passes\.patch\s+rejected\s+test\/sum\.test\.ts fails: sum adds two numbers \(the header names "sum handles negatives", which passes alone\)/);
    assert.match(run.out, /test\/sum\.test\.ts, named tests alone\s+pass\s+1 of 2 named test\(s\) pass alone over the solution/);
    assert.match(run.out, /wrong\/c-named-test-gone\.patch\s+rejected\s+test\/sum\.test\.ts fails: sum adds two numbers \(the header names "sum handles \(renamed\) \[1\]", which the file does not have\)/);
  });

  test("a file whose every test is named is not run again alone: the solved run of the whole file stands for it", async () => {
    const root = await fixtureWorkbook({
      wrong: {
        "adds.patch": wrongPatch({ wrong: "adds", breaks: "product multiplies", caughtBy: "test/product.test.ts › product multiplies two numbers" }, solvedCalc.replace(productLine, productLine.replace("a * b", "a + b"))),
        "subtracts.patch": wrongPatch({ wrong: "subtracts", breaks: "sum returns the sum", caughtBy: "test/sum.test.ts › sum handles negatives" }, solvedCalc.replace("a + b", "a - b")),
      },
    });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /test\/product\.test\.ts, named tests alone\s+pass\s+every test of the file is named \(1\); the solved lab's run of the whole file passed them \(0\.0 s\)/);
    // sum.test.ts has a test no header names: its named test still runs alone.
    assert.match(run.out, /test\/sum\.test\.ts, named tests alone\s+pass\s+1 of 1 named test\(s\) pass alone over the solution/);
    assert.match(run.out, /wrong solutions: 2 rejected of 2/);
  });

  test("a named test that fails alone over the solution is a breach: it could reject any patch by itself", async () => {
    const orderDependent = [
      'import assert from "node:assert/strict";',
      'import { test } from "node:test";',
      'import { sum } from "../src/calc.ts";',
      "let warmed = false;",
      'test("sum warms up", () => assert.ok((warmed = sum(1, 1) === 2)));',
      'test("sum after the warm-up", () => assert.ok(warmed && sum(2, 3) === 5, "needs the test before it"));',
      "",
    ].join("\n");
    const root = await fixtureWorkbook({
      extraFiles: { "test/sum.test.ts": orderDependent },
      wrong: { "leans-on-order.patch": wrongPatch({ wrong: "subtracts", breaks: "sum returns the sum", caughtBy: "test/sum.test.ts › sum after the warm-up" }, solvedCalc.replace("a + b", "a - b")) },
    });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 1, run.out + run.err);
    assert.match(run.out, /test\/sum\.test\.ts, named tests alone\s+BREACH\s+fails alone over the solution, so it cannot be trusted to reject a patch by itself: sum after the warm-up/);
  });

  test("the header parser names what is wrong", () => {
    const ok = parseWrongHeader("# wrong: a\n# breaks: b\n# caught-by: test/x.test.ts\n--- a/src/x.ts\n");
    assert.deepEqual(ok, { wrong: "a", breaks: "b", caughtBy: "test/x.test.ts" });
    const named = parseWrongHeader("# wrong: a\n# breaks: b\n# caught-by: test/x.test.ts › a name (with) [brackets] › and more\n--- a/src/x.ts\n");
    assert.deepEqual(named, { wrong: "a", breaks: "b", caughtBy: "test/x.test.ts", test: "a name (with) [brackets] › and more" });
    assert.match(parseWrongHeader("# wrong: a\n# breaks: b\n# caught-by: src/x.ts\n--- a/src/x.ts\n") as string, /caught-by must name one test file/);
    assert.match(parseWrongHeader("# wrong: a\n# breaks: b\n# caught-by: test/x.test.ts\n# note: c\n--- a/src/x.ts\n") as string, /exactly three header lines/);
    assert.match(parseWrongHeader("# wrong:\n# breaks: b\n# caught-by: test/x.test.ts\n--- a/src/x.ts\n") as string, /header line 1 must be "# wrong: <one line>"/);
  });
});

describe("the lesson leak rule and the copyable share", () => {
  const lessonWith = (block: string) => `---\ntitle: Fixture\n---\n\nSome prose about adding numbers.\n\n\`\`\`ts title="other.ts"\n${block}\n\`\`\`\n`;

  test("check fails when one lesson code block holds most of a solution file", async () => {
    // Two of the four counted lines of src/calc.ts (the others are its return lines), re-indented, inside one block among other code.
    const run = labCli(await fixtureWorkbook({ lesson: lessonWith(`function f(a: number, b: number) {\n    ${sumLine}\n  ${productLine}\n}`) }), ["check"]);
    assert.equal(run.code, 1, run.out + run.err);
    assert.match(run.out, /lesson leaks\s+BREACH\s+site\/src\/content\/docs\/lessons\/fixture\.mdx, code block at line 7 holds 2 of 4 counted line\(s\) of src\/calc\.ts/);
    assert.match(run.out, /copyable share: 2 of 4 solution line\(s\) \(50 %\)/);
  });

  test("a lesson that teaches with its own example passes, and one quoted line shows in the share only", async () => {
    const run = labCli(await fixtureWorkbook({ lesson: lessonWith(`const price = base * (1 + taxRate); // another example\n${sumLine}`) }), ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /lesson leaks\s+ok\s+no code block of site\/src\/content\/docs\/lessons\/fixture\.mdx holds most of a solution file/);
    assert.match(run.out, /copyable share: 1 of 4 solution line\(s\) \(25 %\)/);
  });

  test("lab leaks prints each lab's share and fails when one is over 20 %", async () => {
    const clean = labCli(await fixtureWorkbook({ lesson: lessonWith("const price = base * (1 + taxRate);") }), ["leaks"]);
    assert.equal(clean.code, 0, clean.out + clean.err);
    assert.match(clean.out, /01-fixture\s+0 %\s+0 of 4\n/);
    const over = labCli(await fixtureWorkbook({ readmeExtra: `\nThe product: \`${productLine}\`\n` }), ["leaks"]);
    assert.equal(over.code, 1, over.out + over.err);
    assert.match(over.out, /01-fixture\s+25 %\s+1 of 4\s+over the goal/);
  });

  test("a solution line counts only as whole words: 'retries 3' is not found in 'retries 30'", () => {
    assert.equal(containsLine("x retries 30 y", "retries 3"), false);
    assert.equal(containsLine("x retries 3; y", "retries 3"), true);
    assert.equal(containsLine("balance leastconn # fewest", "balance leastconn"), true);
  });
});

describe("the README/hint leak rule", () => {
  test("a lab whose README and early rungs quote no solution line passes", async () => {
    const run = labCli(await fixtureWorkbook({ steps: defaultSteps() }), ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /README\/hint leaks\s+ok\s+none of 2 solution line\(s\)/);
  });

  test("check fails when the README holds a solution line, even re-indented and wrapped", async () => {
    const wrapped = sumLine.replace("// both", "\n    //   both");
    const run = labCli(await fixtureWorkbook({ steps: defaultSteps(), readmeExtra: `\nFor example:\n\n\`\`\`ts\n  ${wrapped}\n\`\`\`\n` }), ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /README\/hint leaks\s+BREACH\s+1 of 2 solution line\(s\) quoted where only a step's last rung may: README\.md quotes 1/);
    assert.match(run.out, /leak: README\.md: "const total = a \+ b; \/\/ both operands, left to right" \(src\/calc\.ts\)/);
  });

  test("check fails when a rung other than a step's last quotes a solution line", async () => {
    const steps = defaultSteps();
    steps[1]!.hints = ["Think about multiplication.", `Near-code, too early: \`${productLine}\``, "Use the * operator on both parameters."];
    const run = labCli(await fixtureWorkbook({ steps }), ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /README\/hint leaks\s+BREACH\s+1 of 2 .*step 2, rung 2 of 3 quotes 1/);
  });

  test("check passes when only the last rung of a step quotes the solution", async () => {
    const steps = defaultSteps();
    steps[0]!.hints = ["Think about addition.", `Near-code: \`${sumLine}\``];
    steps[1]!.hints = ["Think about multiplication.", "The * operator.", `Near-code: \`${productLine}\``];
    const run = labCli(await fixtureWorkbook({ steps }), ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /README\/hint leaks\s+ok/);
  });

  test("a manifest with the old flat hint list fails, saying what replaced it", async () => {
    const root = await fixtureWorkbook();
    const file = path.join(root, "labs", labId, "lab.json");
    const { steps: _steps, ...manifest } = JSON.parse(await readFile(file, "utf8"));
    await writeFile(file, JSON.stringify({ ...manifest, hints: ["Think.", "Look at the operators.", "Add and multiply."] }));
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out + run.err, /field "hints": a flat hint list is no longer read; give each step its own ladder/);
  });
});

describe("steps against tests and TODO markers", () => {
  test("a lab whose steps own every test file, match its TODO markers and each fail on the starter passes", async () => {
    const run = labCli(await fixtureWorkbook({ steps: defaultSteps() }), ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /steps, tests, TODOs\s+ok\s+2 steps, TODO\(1\) to TODO\(2\)/);
    assert.match(run.out, /each step fails on starter\s+ok\s+step 1: 2 failing, step 2: 1 failing/);
  });

  test("a test file that no step lists is a breach", async () => {
    const run = labCli(await fixtureWorkbook({ steps: defaultSteps(), extraFiles: { "test/extra.test.ts": "import { test } from \"node:test\";\ntest(\"nothing\", () => {});\n" } }), ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /steps, tests, TODOs\s+BREACH\s+no step lists "test\/extra\.test\.ts"/);
  });

  test("steps that do not match the TODO(n) markers are a breach", async () => {
    const run = labCli(await fixtureWorkbook({ steps: defaultSteps(), starter: starterCalc.replace("TODO(2)", "TODO(3)") }), ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /steps, tests, TODOs\s+BREACH\s+2 step\(s\) in lab\.json, but the highest TODO\(n\) in the starter is TODO\(3\); no TODO\(2\) marker/);
  });

  test("a step whose tests all pass on the starter is a breach", async () => {
    const starter = starterCalc.replace(/(product[^{]*\{\n)\s+return 0;/, "$1  return a * b;");
    const run = labCli(await fixtureWorkbook({ steps: defaultSteps(), starter }), ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /each step fails on starter\s+BREACH\s+on the starter, step 2 \(Product\): all 1 tests in its files pass/);
  });
});

describe("a capstone (lab.json \"capstone\": true)", () => {
  const unmarked = starterCalc.replace(/\/\/ TODO\(\d\): /g, "// ");

  test("needs no TODO(n) marker: its steps are promises, each with its own test files, and it passes check", async () => {
    const root = await fixtureWorkbook({ steps: defaultSteps(), starter: unmarked, manifest: { capstone: true, estimatedMinutes: 300 }, solutionFiles: { "MODEL-ANSWER.md": "# A model answer\n" } });
    const run = labCli(root, ["check"]);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(run.out, /TODO markers\s+ok\s+none, as a capstone's starter should have/);
    assert.match(run.out, /steps, tests, TODOs\s+ok\s+2 steps \(a capstone: promises, no TODO markers\), every test file in one step/);
    assert.match(run.out, /solution files\s+ok/, "MODEL-ANSWER.md sits beside a capstone's solution files");
    assert.match(run.out, /each step fails on starter\s+ok/);
  });

  test("a TODO(n) marker in a capstone's starter is a breach: it points at the mistake", async () => {
    const run = labCli(await fixtureWorkbook({ steps: defaultSteps(), manifest: { capstone: true } }), ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /TODO markers\s+BREACH\s+a capstone's starter must not point at its mistakes, but has TODO\(n\) marker\(s\): 2 in src\/calc\.ts/);
  });

  test("every test file still belongs to exactly one step", async () => {
    const extra = { "test/extra.test.ts": "import { test } from \"node:test\";\ntest(\"nothing\", () => {});\n" };
    const run = labCli(await fixtureWorkbook({ steps: defaultSteps(), starter: unmarked, manifest: { capstone: true }, extraFiles: extra }), ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /steps, tests, TODOs\s+BREACH\s+no step lists "test\/extra\.test\.ts"/);
  });

  test("an ordinary lab without markers still breaches, and MODEL-ANSWER.md is a stray file there", async () => {
    const run = labCli(await fixtureWorkbook({ steps: defaultSteps(), starter: unmarked, solutionFiles: { "MODEL-ANSWER.md": "# A model answer\n" } }), ["check"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /TODO markers\s+BREACH\s+no TODO\(n\) marker/);
    assert.match(run.out, /steps, tests, TODOs\s+BREACH\s+2 step\(s\) in lab\.json, but the highest TODO\(n\) in the starter is TODO\(0\)/);
    assert.match(run.out, /solution files\s+BREACH\s+stray \(not in lab\.json files\): MODEL-ANSWER\.md/);
  });
});

describe("reset", () => {
  test("puts the starter back from git, after saving the learner's file to .workbook/backups/", async () => {
    const root = await fixtureWorkbook();
    execFileSync("git", ["init", "-q"], { cwd: root });
    execFileSync("git", ["add", "."], { cwd: root });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "starter"], { cwd: root });
    const file = lab(root, "src/calc.ts");
    await writeFile(file, "// my work in progress\n");

    const refused = labCli(root, ["reset", "1"]);
    assert.equal(refused.code, 2, "without a terminal and without --yes, reset must refuse");
    assert.equal(await readFile(file, "utf8"), "// my work in progress\n", "a refused reset changes nothing");

    const run = labCli(root, ["reset", "1", "--yes"]);
    assert.equal(run.code, 0, run.err);
    assert.equal(await readFile(file, "utf8"), starterCalc);
    const backups = path.join(root, ".workbook/backups", labId);
    const [stamp] = await readdir(backups);
    assert.equal(await readFile(path.join(backups, stamp!, "src/calc.ts"), "utf8"), "// my work in progress\n");
    await mkdir(path.dirname(file), { recursive: true });
  });
});
