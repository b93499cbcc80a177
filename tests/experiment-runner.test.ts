// The in-browser runner (site/src/experiments/runner.ts) against a stand-in for the parts of the
// WebContainer API it uses: mount, spawn, a process's output stream, exit and kill. The stand-in is
// for these tests only; the page passes the real WebContainer.boot.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createRunner, type Container, type ContainerProcess, type FileTree, type RunnerEvent } from "../site/src/experiments/runner.ts";

interface Script {
  /** Chunks the process prints, in order. */
  output?: string[];
  exitCode?: number;
  /** Never exits by itself: only kill() ends it. */
  hang?: boolean;
  /** spawn() itself rejects. */
  spawnError?: string;
}

/** A fake process whose output and exit the test scripts, recording kill(). */
class FakeProcess implements ContainerProcess {
  output: ReadableStream<string>;
  exit: Promise<number>;
  killed = false;
  private finish!: (code: number) => void;
  private controller!: ReadableStreamDefaultController<string>;
  readonly command: string;
  readonly log: string[];
  constructor(command: string, log: string[], script: Script) {
    this.command = command;
    this.log = log;
    this.output = new ReadableStream<string>({ start: (c) => void (this.controller = c) });
    this.exit = new Promise((resolve) => (this.finish = resolve));
    void (async () => {
      for (const chunk of script.output ?? []) {
        await new Promise((r) => setTimeout(r, 5)); // arrives over time, not all at once
        if (this.killed) return;
        this.controller.enqueue(chunk);
      }
      if (!script.hang) this.end(script.exitCode ?? 0);
    })();
  }
  end(code: number) {
    this.controller.close();
    this.finish(code);
  }
  kill() {
    if (this.killed) return;
    this.killed = true;
    this.log.push(`kill ${this.command}`);
    setTimeout(() => this.end(143), 5);
  }
}

/** A stand-in WebContainer: records every call in `log`; `scripts` says how each command behaves. */
function fakeContainer(scripts: Record<string, Script | Script[]>, options: { mountError?: string } = {}) {
  const log: string[] = [];
  const processes: FakeProcess[] = [];
  const mounted: FileTree[] = [];
  const container: Container = {
    async mount(tree) {
      log.push(`mount ${Object.keys(tree).join(",")}`);
      if (options.mountError) throw new Error(options.mountError);
      mounted.push(tree);
    },
    async spawn(command, args, opts) {
      const line = `${command} ${args.join(" ")}`.trim();
      log.push(`spawn ${line} (cwd ${opts?.cwd})`);
      const entry = scripts[command] ?? {};
      const script = Array.isArray(entry) ? (entry.shift() ?? {}) : entry;
      if (script.spawnError) throw new Error(script.spawnError);
      const process = new FakeProcess(command, log, script);
      processes.push(process);
      return process;
    },
  };
  return { container, log, processes, mounted };
}

const files = { name: "demo", code: 'console.log("hi")', packageJson: '{"dependencies":{"lru-cache":"11.5.3"}}' };

function collect() {
  const events: RunnerEvent[] = [];
  return { events, onEvent: (e: RunnerEvent) => events.push(e), output: (stage?: string) => events.filter((e) => e.type === "output" && (!stage || e.stage === stage)).map((e) => e.text).join("") };
}

test("boot, mount, npm install, then node index.mjs, in that order, in the experiment's folder", async () => {
  const fake = fakeContainer({ npm: { output: ["added 1 package\n"] }, node: { output: ["42\n"] } });
  let boots = 0;
  const seen = collect();
  const runner = createRunner({ boot: async () => (boots++, fake.container), onEvent: seen.onEvent });
  const result = await runner.run(files);
  assert.deepEqual(result, { outcome: "exited", exitCode: 0, message: "Finished (exit code 0)." });
  assert.equal(boots, 1);
  assert.deepEqual(fake.log, ["mount demo", "spawn npm install --no-audit --no-fund --loglevel=error (cwd demo)", "spawn node index.mjs (cwd demo)"]);
  const tree = fake.mounted[0]!.demo as { directory: FileTree };
  assert.deepEqual(tree.directory, { "index.mjs": { file: { contents: files.code } }, "package.json": { file: { contents: files.packageJson } } }, "the experiment and its pinned package.json are mounted as they were given");
  const statuses = seen.events.filter((e) => e.type === "status").map((e) => e.type === "status" && e.stage);
  assert.deepEqual(statuses, ["boot", "install", "run"], "the page is told each stage as it starts");
});

test("output is streamed chunk by chunk while the process runs, not only at its end", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const fake = fakeContainer({ npm: {}, node: { output: ["one\n", "two\n"], hang: true } });
  const seen = collect();
  const runner = createRunner({ boot: async () => fake.container, onEvent: (e) => (seen.onEvent(e), e.type === "output" && e.text === "two\n" && release()) });
  const running = runner.run(files);
  await gate; // both chunks arrived although the process has not exited
  assert.equal(seen.output("run"), "one\ntwo\n");
  assert.equal(fake.processes.at(-1)!.killed, false, "the process is still running while its output is shown");
  await runner.stop();
  assert.equal((await running).outcome, "superseded");
});

test("a non-zero exit is reported as such, with its code", async () => {
  const fake = fakeContainer({ npm: {}, node: { output: ["Error: boom\n"], exitCode: 1 } });
  const seen = collect();
  const result = await createRunner({ boot: async () => fake.container, onEvent: seen.onEvent }).run(files);
  assert.deepEqual(result, { outcome: "exited", exitCode: 1, message: "Exited with code 1: the output above says why." });
  assert.match(seen.output("run"), /Error: boom/);
});

test("Run again kills the running process first, and the old run's output stops reaching the page", async () => {
  const fake = fakeContainer({ npm: {}, node: [{ output: ["old 1\n", "old 2\n", "old 3\n", "old 4\n"], hang: true }, { output: ["new\n"] }] });
  const seen = collect();
  const runner = createRunner({ boot: async () => fake.container, onEvent: seen.onEvent });
  const first = runner.run(files);
  while (!seen.output("run").includes("old 1")) await new Promise((r) => setTimeout(r, 2));
  const second = await runner.run({ ...files, code: "console.log('new')" });
  assert.equal((await first).outcome, "superseded");
  assert.deepEqual(second, { outcome: "exited", exitCode: 0, message: "Finished (exit code 0)." });
  const killAt = fake.log.indexOf("kill node");
  const secondNode = fake.log.lastIndexOf("spawn node index.mjs (cwd demo)");
  assert.ok(killAt > 0 && killAt < secondNode, `expected the old node process killed before the new one started; calls: ${fake.log.join(" | ")}`);
  assert.equal(fake.log.filter((l) => l.startsWith("spawn npm")).length, 1, "an unchanged package.json is not installed twice");
  assert.ok(!seen.output("run").includes("old 4"), "output of the killed run must not appear after Run again");
  assert.ok(seen.output("run").endsWith("new\n"));
});

test("a changed package.json is installed again", async () => {
  const fake = fakeContainer({ npm: {}, node: {} });
  const runner = createRunner({ boot: async () => fake.container });
  await runner.run(files);
  await runner.run({ ...files, packageJson: '{"dependencies":{}}' });
  assert.equal(fake.log.filter((l) => l.startsWith("spawn npm")).length, 2);
});

test("an error at boot is reported as unavailable, and nothing is mounted or spawned", async () => {
  const fake = fakeContainer({});
  const result = await createRunner({ boot: async () => Promise.reject(new Error("SharedArrayBuffer is not defined")) }).run(files);
  assert.deepEqual(result, { outcome: "unavailable", stage: "boot", message: "SharedArrayBuffer is not defined" });
  assert.deepEqual(fake.log, []);
});

test("a boot that never finishes gives up after the timeout instead of hanging, and a later run waits on the same boot", async () => {
  let boots = 0;
  const runner = createRunner({ boot: () => (boots++, new Promise<Container>(() => {})), bootTimeoutMs: 50 });
  const started = performance.now();
  const result = await runner.run(files);
  assert.equal(result.outcome, "unavailable");
  assert.match(result.message, /did not finish within/);
  assert.ok(performance.now() - started < 2_000, "the timeout, not the boot, ends the wait");
  await runner.run(files);
  assert.equal(boots, 1, "WebContainer boots once per page; a second run must not call boot again while the first is pending");
});

test("a failed boot may be tried again by the next run", async () => {
  const fake = fakeContainer({ npm: {}, node: {} });
  let boots = 0;
  const runner = createRunner({ boot: async () => (++boots === 1 ? Promise.reject(new Error("network")) : fake.container) });
  assert.equal((await runner.run(files)).outcome, "unavailable");
  assert.equal((await runner.run(files)).outcome, "exited");
  assert.equal(boots, 2);
});

test("an error at install: npm install exiting non-zero, or mount failing, is a failed install and node never runs", async () => {
  const npmFails = fakeContainer({ npm: { output: ["npm ERR! network\n"], exitCode: 1 }, node: {} });
  const seen = collect();
  const result = await createRunner({ boot: async () => npmFails.container, onEvent: seen.onEvent }).run(files);
  assert.deepEqual(result, { outcome: "failed", stage: "install", message: "npm install exited with code 1." });
  assert.match(seen.output("install"), /npm ERR! network/);
  assert.ok(!npmFails.log.some((l) => l.startsWith("spawn node")));

  const mountFails = fakeContainer({}, { mountError: "EACCES" });
  const mounted = await createRunner({ boot: async () => mountFails.container }).run(files);
  assert.deepEqual(mounted, { outcome: "failed", stage: "install", message: "Installing failed: EACCES" });
});

test("an error at run: spawn rejecting is a failed run with the reason", async () => {
  const fake = fakeContainer({ npm: {}, node: { spawnError: "node: command not found" } });
  const result = await createRunner({ boot: async () => fake.container }).run(files);
  assert.deepEqual(result, { outcome: "failed", stage: "run", message: "Starting node failed: node: command not found" });
});

test("a failed install is retried on the next run rather than remembered as installed", async () => {
  const fake = fakeContainer({ npm: [{ exitCode: 1 }, {}], node: {} });
  const runner = createRunner({ boot: async () => fake.container });
  assert.equal((await runner.run(files)).outcome, "failed");
  assert.equal((await runner.run(files)).outcome, "exited");
  assert.equal(fake.log.filter((l) => l.startsWith("spawn npm")).length, 2);
});
