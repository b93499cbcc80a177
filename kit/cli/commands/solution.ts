import { readFile } from "node:fs/promises";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import type { Lab } from "../../labs.ts";
import { readProgress } from "../../progress.ts";
import { bold, dim, green, red, say, warn } from "../../terminal/output.ts";
import { UsageError } from "../usage.ts";

/** Show how the learner's files differ from the solution: only after the lab passes, or with --force. */
export async function showSolution(lab: Lab, force: boolean): Promise<void> {
  const entry = (await readProgress(undefined, warn)).labs[lab.id];
  if (!force && !entry?.firstPassedAt) {
    throw new UsageError(
      `Lab ${lab.id} has not passed yet, so the solution stays hidden. Finish it (npm run lab -- test ${lab.manifest.order}) or pass --force to look now.`,
    );
  }
  for (const file of lab.manifest.files) {
    const yours = await readFile(path.join(lab.dir, file), "utf8").catch(() => "");
    const ours = await readFile(path.join(lab.solutionDir, file), "utf8");
    if (yours === ours) {
      say(`${bold(file)}: ${dim("identical to the solution")}`);
      continue;
    }
    const patch = createTwoFilesPatch(`yours/${file}`, `solution/${file}`, yours, ours, undefined, undefined, { context: 3 });
    for (const line of patch.split("\n").slice(2)) {
      say(line.startsWith("+") ? green(line) : line.startsWith("-") ? red(line) : line.startsWith("@@") ? dim(line) : line);
    }
  }
}
