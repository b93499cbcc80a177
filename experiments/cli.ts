/**
 * `npm run experiment -- list`     every experiment, with its lesson and what it shows
 * `npm run experiment -- <name>`   run one (the same file the lesson page recorded), exit with its code
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { experimentsDir, listExperiments, repoRoot } from "./catalog.ts";

async function main(args: string[]): Promise<number> {
  const experiments = await listExperiments();
  const [command] = args;
  if (!command || command === "list" || command === "--help" || command === "-h") {
    if (command !== "list") console.log("usage: npm run experiment -- list | <name>\n");
    const width = Math.max(...experiments.map((e) => e.name.length));
    for (const e of experiments) console.log(`${e.name.padEnd(width)}  ${e.lesson}\n${" ".repeat(width + 2)}${e.claim}`);
    return 0;
  }
  const experiment = experiments.find((e) => e.name === command || `${e.name}.mjs` === command);
  if (!experiment) {
    console.error(`No experiment named "${command}". \`npm run experiment -- list\` shows them all.`);
    return 2;
  }
  console.log(`# ${path.relative(repoRoot, path.join(experimentsDir, `${experiment.name}.mjs`))} (lesson: ${experiment.lesson})\n`);
  const child = spawn(process.execPath, [experiment.file], { cwd: repoRoot, stdio: "inherit" });
  return new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
);
