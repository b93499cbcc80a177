import { parseArgs } from "node:util";
import { findLab, scanLabs, type Lab } from "../labs.ts";
import { ManifestError } from "../manifest/schema.ts";
import { NoMongoError, NoRedisError } from "../services/index.ts";
import { NoStarterError } from "../scratch.ts";
import { benchLab } from "../bench/run.ts";
import { checkContract } from "../contract/check.ts";
import { printLeaks } from "./commands/leaks.ts";
import { showHint } from "./commands/hint.ts";
import { listLabs } from "./commands/list.ts";
import { resetLab } from "./commands/reset.ts";
import { showSolution } from "./commands/solution.ts";
import { NoLabStartError, startLab } from "./commands/start.ts";
import { testLab } from "./commands/test.ts";
import { watchLab } from "./commands/watch.ts";
import { red, say, warn } from "../terminal/output.ts";
import { UsageError } from "./usage.ts";

const commands = ["list", "start", "test", "watch", "hint", "reset", "solution", "bench", "check", "leaks", "help"] as const;

const usage = `Usage: npm run lab -- <command> [lab] [options]

  list                 every lab and where you are with it
  start <lab>          run the lab's app by hand: services, sample data, URL, curl lines; Ctrl-C stops it
  test <lab>           run the lab's steps in order, stopping at the first that fails
                       (--all runs every step, --verbose shows full output)
  watch <lab>          on save, re-run the step you are on; keys: h hint, r run, a all steps, q quit
  hint <lab>           reveal the next hint                        (--all for every hint)
  reset <lab>          put the starter files back, after backing yours up   (--yes, --ref <git ref>)
  solution <lab>       compare your files with the solution, once the lab passes   (--force)
  bench <lab>          measure the starter against your code       (--runs N, --solution,
                       --load 3x: one multiple of a load curve's base rate, or 1x,5x)
  check [lab]          maintainers: the lab contract (starter fails, solution passes)
  leaks [lab]          maintainers: per lab, the share of the solution copyable from README + lesson

A lab is named by number or slug: 1, 01, statelessness or 01-statelessness.`;

/** `--load 3x` (or `3`, or `1x,5x`): the multiples of a load curve's base rate to run, lowest first. */
function parseLoad(text: string): number[] {
  const multiples = text.split(",").map((part) => {
    const value = Number(part.trim().replace(/x$/i, ""));
    if (part.trim() === "" || !Number.isFinite(value) || value <= 0 || value > 100) {
      throw new UsageError(`--load takes multiples of the base rate such as 3x or 1x,5x (each above 0, at most 100x); got "${text}".`);
    }
    return value;
  });
  return [...new Set(multiples)].sort((a, b) => a - b);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      all: { type: "boolean", default: false },
      yes: { type: "boolean", short: "y", default: false },
      force: { type: "boolean", default: false },
      verbose: { type: "boolean", short: "v", default: false },
      solution: { type: "boolean", default: false },
      runs: { type: "string", default: "3" },
      load: { type: "string" },
      ref: { type: "string", default: "HEAD" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command = "help", name, ...extra] = positionals;
  if (values.help || command === "help") {
    say(usage);
    return 0;
  }
  if (!(commands as readonly string[]).includes(command)) {
    throw new UsageError(`Unknown command "${command}". Commands: ${commands.join(", ")}.`);
  }
  if (extra.length > 0) throw new UsageError(`Unexpected argument(s): ${extra.join(" ")}. Run "npm run lab -- help" for usage.`);
  const { labs, problems } = await scanLabs();
  // A broken manifest blocks only its own lab; the others stay usable.
  if (command !== "check") for (const problem of problems) warn(problem.message);
  const pick = (): Lab => {
    if (!name) throw new UsageError(`"${command}" needs a lab. Choose one of: ${choices(labs)}.`);
    const lab = findLab(labs, name);
    if (lab) return lab;
    const broken = problems.find((p) => p instanceof ManifestError && (p.lab === name || p.lab.slice(3) === name || Number(p.lab.slice(0, 2)) === Number(name)));
    if (broken) throw broken;
    throw new UsageError(`Unknown lab "${name}". Choose one of: ${choices(labs)}.`);
  };
  switch (command) {
    case "list":
      await listLabs(labs);
      return 0;
    case "start":
      await startLab(pick());
      return process.exitCode === 1 ? 1 : 0;
    case "test": {
      const run = await testLab(pick(), { verbose: values.verbose, all: values.all });
      return run.done ? 0 : 1;
    }
    case "watch":
      await watchLab(pick());
      return 0;
    case "hint":
      await showHint(pick(), values.all);
      return 0;
    case "reset":
      await resetLab(pick(), { yes: values.yes, ref: values.ref });
      return 0;
    case "solution":
      await showSolution(pick(), values.force);
      return 0;
    case "bench": {
      const runs = Number(values.runs);
      if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new UsageError(`--runs must be a whole number from 1 to 20 (got "${values.runs}").`);
      await benchLab(pick(), { runs, withSolution: values.solution, multiples: values.load === undefined ? undefined : parseLoad(values.load) });
      return 0;
    }
    case "leaks":
      return (await printLeaks(name ? [pick()] : labs)) ? 0 : 1;
    case "check":
      return (await checkContract(name ? [pick()] : undefined)) === 0 ? 0 : 1;
    default:
      return 2;
  }
}

const choices = (labs: Lab[]) => labs.map((l) => `${l.manifest.order} (${l.id})`).join(", ");

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS"))) {
      process.stderr.write(`${red("error:")} ${(error as Error).message}\n`);
      process.exitCode = 2;
    } else if (error instanceof ManifestError || error instanceof NoRedisError || error instanceof NoMongoError || error instanceof NoStarterError || error instanceof NoLabStartError) {
      process.stderr.write(`${red("error:")} ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${red("error:")} ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
