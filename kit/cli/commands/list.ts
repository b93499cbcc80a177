import type { Lab } from "../../labs.ts";
import { describeState, labState, readProgress, stepStates, type LabProgress } from "../../progress.ts";
import { bold, dim, green, red, say, table, warn, yellow } from "../../terminal/output.ts";

/** "2 of 9": rungs revealed over the rungs the lab has, all steps together. */
export function hintsUsed(lab: Lab, entry: LabProgress | undefined): string {
  const available = lab.manifest.steps.reduce((n, step) => n + step.hints.length, 0);
  const used = lab.manifest.steps.reduce((n, step, i) => n + Math.min(entry?.hintsShown[i] ?? 0, step.hints.length), 0);
  return `${used} of ${available}`;
}

/**
 * The lab to go on with: the one in progress (started, not passing) that ran or was reset most recently;
 * else the first lab, in order, that does not pass; undefined when every lab passes.
 */
export function nextLab(labs: readonly Lab[], progress: Record<string, LabProgress>): Lab | undefined {
  const touched = (entry: LabProgress) => [entry.lastRun, entry.resetAt].filter((t): t is string => t !== null).sort().at(-1) ?? "";
  const inProgress = labs
    .filter((lab) => ["failing", "reset"].includes(labState(progress[lab.id]).state))
    .sort((a, b) => touched(progress[b.id]!).localeCompare(touched(progress[a.id]!)));
  return inProgress[0] ?? labs.find((lab) => labState(progress[lab.id]).state !== "passing");
}

export async function listLabs(labs: Lab[]): Promise<void> {
  const progress = await readProgress(undefined, warn);
  const rows = labs.map((lab) => {
    const state = labState(progress.labs[lab.id]);
    // A failing lab says which steps pass, which fails and which the run stopped before ("not run").
    const text = describeState(state, stepStates(progress.labs[lab.id]));
    const painted = state.state === "passing" ? green(text) : state.state === "failing" ? red(text) : state.state === "reset" ? yellow(text) : dim(text);
    return [bold(lab.id.slice(0, 2)), lab.id.slice(3), lab.manifest.title, painted, hintsUsed(lab, progress.labs[lab.id])];
  });
  for (const line of table([[dim("#"), dim("lab"), dim("title"), dim("state"), dim("hints used")], ...rows])) say(line);
  say();
  const next = nextLab(labs, progress.labs);
  if (!next) say(dim("Every lab passes."));
  else {
    const verb = ["failing", "reset"].includes(labState(progress.labs[next.id]).state) ? "Carry on with" : "Start one with";
    say(dim(`${verb}: npm run lab -- test ${next.manifest.order}`));
  }
}
