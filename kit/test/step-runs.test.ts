// `lab test` step by step, `--all`, `lab list` and `lab watch` on the fixture lab (kit/test/fixture-lab.ts):
// src/calc.ts, step 1 "Sum" (test/sum.test.ts, 2 tests) and step 2 "Product" (test/product.test.ts, 1 test).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { fixtureWorkbook, labCli, labId, removeFixtures, solvedCalc, starterCalc } from "./fixture-lab.ts";

after(removeFixtures);

const cli = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
const progressOf = async (root: string) => JSON.parse(await readFile(path.join(root, ".workbook/progress.json"), "utf8")).labs[labId];
const learnerWrites = (root: string, text: string) => writeFile(path.join(root, "labs", labId, "src/calc.ts"), text);
/** The starter with sum done and product still returning 0. */
const sumDone = starterCalc.replace("  return 0;\n}\n\n// TODO(2)", "  return a + b;\n}\n\n// TODO(2)");

describe("lab test, step by step", () => {
  test("it stops at the first failing step, says so in one line, and records the rest as not run", async () => {
    const root = await fixtureWorkbook();
    const first = labCli(root, ["test", "1"]);
    assert.equal(first.code, 1, first.err);
    assert.match(first.out, /Step 1 of 2: Sum\n  ✗ sum adds two numbers\n  ✗ sum handles negatives\n/);
    assert.doesNotMatch(first.out, /product multiplies|Step 2 of 2/, "step 2's files do not run while step 1 fails");
    assert.match(first.out, /0 of 2 passing\.\nstep 1 fails · step 2 not run\n/);
    assert.match(first.out, /First failure \(step 1\): sum adds two numbers/);
    assert.match(first.out, /Every step, whatever fails: npm run lab -- test 1 --all/);
    assert.deepEqual((await progressOf(root)).steps, [{ passed: 0, failed: 2, ran: true }, { passed: 0, failed: 0, ran: false }]);
    assert.match(labCli(root, ["list"]).out, /failing \(0 of 2 passing\): step 1 fails · step 2 not run/, "list says not run, not failing");

    await learnerWrites(root, sumDone);
    const second = labCli(root, ["test", "1"]);
    assert.equal(second.code, 1);
    assert.match(second.out, /Step 1 of 2: Sum\n(  ✓ .*\n){2}Step 2 of 2: Product\n  ✗ product multiplies two numbers\n/, "step 1 passes, so step 2 runs");
    assert.match(second.out, /2 of 3 passing\.\nstep 1 passes · step 2 fails\n/);
    assert.match(second.out, /First failure \(step 2\): product multiplies two numbers/);
    assert.match(second.out, /reveals the next hint for step 2/);
    assert.match(labCli(root, ["list"]).out, /failing \(2 of 3 passing\): step 1 passes · step 2 fails/);

    await learnerWrites(root, solvedCalc);
    const done = labCli(root, ["test", "1"]);
    assert.equal(done.code, 0, done.out);
    assert.match(done.out, /steps 1–2 pass\n3 of 3 passing\. Lab 01 is done\./);
    assert.deepEqual((await progressOf(root)).steps, [{ passed: 2, failed: 0, ran: true }, { passed: 1, failed: 0, ran: true }]);
    assert.match(labCli(root, ["list"]).out, /passing \(3 of 3\)/);
  });

  test("--all runs every step's files whatever fails, and prints each step's result", async () => {
    const root = await fixtureWorkbook();
    const run = labCli(root, ["test", "1", "--all"]);
    assert.equal(run.code, 1);
    assert.match(run.out, /✗ sum adds two numbers/);
    assert.match(run.out, /✗ product multiplies two numbers/, "step 2 runs although step 1 fails");
    assert.match(run.out, /0 of 3 passing\.\n  ✗ Step 1: Sum \(0 of 2\)\n  ✗ Step 2: Product \(0 of 1\)\n/);
    assert.match(run.out, /First failure \(step 1\): sum adds two numbers/);
    assert.deepEqual((await progressOf(root)).steps, [{ passed: 0, failed: 2, ran: true }, { passed: 0, failed: 1, ran: true }]);
    assert.match(labCli(root, ["list"]).out, /failing \(0 of 3 passing\): steps 1–2 fail/);

    await learnerWrites(root, solvedCalc);
    const done = labCli(root, ["test", "1", "--all"]);
    assert.equal(done.code, 0);
    assert.match(done.out, /steps 1–2 pass\n3 of 3 passing\. Lab 01 is done\./);
  });

  test("a lab of one step: no step headings, and the line says step 1", async () => {
    const root = await fixtureWorkbook({ steps: [{ title: "Both", tests: ["test/sum.test.ts", "test/product.test.ts"], hints: ["Add, then multiply.", "Use + and *."] }] });
    const run = labCli(root, ["test", "1"]);
    assert.equal(run.code, 1);
    assert.doesNotMatch(run.out, /Step 1 of 1/);
    assert.match(run.out, /0 of 3 passing\.\nstep 1 fails\n/);
    assert.match(run.out, /First failure: /, "no step number when there is one step");
    assert.doesNotMatch(run.out, /--all/, "no --all tip: one step is every step");
  });

  test("the lab's services start once for the whole run, not once per step", async () => {
    // Each test file writes the MongoDB it was given and the run's namespace: both steps must see the same.
    const logged = (name: string) => `import { appendFileSync } from "node:fs";
appendFileSync(new URL("../services.log", import.meta.url), \`${name} \${process.env.MONGO_URL} \${process.env.WORKBOOK_NS}\\n\`);
`;
    const root = await fixtureWorkbook({
      services: ["mongo"],
      starter: solvedCalc,
      extraFiles: {
        "test/sum.test.ts": `${logged("sum")}import assert from "node:assert/strict";
import { test } from "node:test";
import { sum } from "../src/calc.ts";
test("sum adds two numbers", () => assert.equal(sum(2, 3), 5));
`,
        "test/product.test.ts": `${logged("product")}import assert from "node:assert/strict";
import { test } from "node:test";
import { product } from "../src/calc.ts";
test("product multiplies two numbers", () => assert.equal(product(2, 3), 6));
`,
      },
    });
    // No MONGO_URL and a closed compose port: the kit starts its embedded MongoDB stand-in.
    const run = labCli(root, ["test", "1"], { MONGO_URL: "", WORKBOOK_COMPOSE_MONGO_URL: "mongodb://127.0.0.1:1/?directConnection=true" });
    assert.equal(run.code, 0, `${run.out}\n${run.err}`);
    assert.equal(run.out.match(/^Using /gm)?.length, 1, "one backend line for the run");
    const lines = (await readFile(path.join(root, "labs", labId, "services.log"), "utf8")).trim().split("\n");
    assert.deepEqual(lines.map((line) => line.split(" ")[0]), ["sum", "product"], "both steps ran");
    const seen = new Set(lines.map((line) => line.split(" ").slice(1).join(" ")));
    assert.equal(seen.size, 1, `one MongoDB and one namespace for both steps: ${lines.join(" | ")}`);
    assert.match([...seen][0]!, /^mongodb:\/\/127\.0\.0\.1:\d+/);
  });
});

describe("lab watch", () => {
  test("a save reruns the current step only, goes straight on to the next once it passes, and a runs every step", { timeout: 120_000 }, async () => {
    const root = await fixtureWorkbook();
    const child = spawn(process.execPath, [cli, "watch", "1"], { env: { ...process.env, WORKBOOK_ROOT: root, NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    after(() => child.kill("SIGKILL"));
    /** Wait until the output after `from` matches, and return that part of it. */
    const waitFor = async (pattern: RegExp, from: number): Promise<string> => {
      for (const started = Date.now(); Date.now() - started < 60_000; await new Promise((r) => setTimeout(r, 100))) {
        const match = pattern.exec(out.slice(from));
        if (match) return out.slice(from, from + match.index + match[0].length);
      }
      throw new Error(`timed out waiting for ${pattern}; output so far:\n${out.slice(from)}\n${err}`);
    };

    const first = await waitFor(/a save runs .*\n.*quit\n/, 0);
    assert.match(first, /step 1 fails · step 2 not run/);
    assert.match(first, /a save runs step 1 \(Sum\), then the next steps while they pass/);
    assert.match(first, /Keys: h hint · r run now · a run every step · q quit/);

    let mark = out.length;
    await learnerWrites(root, sumDone);
    const second = await waitFor(/a save runs .*\n.*quit\n/, mark);
    assert.match(second, /Step 1 of 2: Sum\n(  ✓ .*\n){2}Step 2 of 2: Product\n  ✗ product multiplies two numbers/, "step 1 passes now, so step 2 runs straight after");
    assert.match(second, /step 1 passes · step 2 fails/);
    assert.match(second, /a save runs step 2 \(Product\)/);

    mark = out.length;
    await learnerWrites(root, solvedCalc);
    const third = await waitFor(/a save runs .*\n.*quit\n/, mark);
    assert.doesNotMatch(third, /sum adds two numbers/, "step 1 passed before: only the current step runs");
    assert.match(third, /Step 2 of 2: Product\n  ✓ product multiplies two numbers/);
    assert.match(third, /Step 1 passed in an earlier run and was not run again\./);
    assert.match(third, /3 of 3 passing\. Lab 01 is done\./);
    assert.match(third, /a save runs every step from step 1/);

    mark = out.length;
    child.stdin.write("a\n");
    const all = await waitFor(/a save runs .*\n.*quit\n/, mark);
    // One node --test run over both files: they report in the order they finish.
    for (const name of ["sum adds two numbers", "sum handles negatives", "product multiplies two numbers"]) assert.match(all, new RegExp(`✓ ${name}`), "a runs every step's files");
    assert.match(all, /3 of 3 passing\. Lab 01 is done\./);
    assert.doesNotMatch(all, /Step 1 of 2/, "in one run, not step by step");

    child.stdin.write("q\n");
    assert.equal(await exited, 0, err);
  });
});
