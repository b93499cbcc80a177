import type { Lab } from "../../labs.ts";
import { stepsOfLab } from "../../runner/steps.ts";
import { readProgress, updateLabProgress } from "../../progress.ts";
import { bold, dim, say, warn } from "../output.ts";

/** Reveal the next hint (or all with --all) and remember how many the learner has seen. */
export async function showHint(lab: Lab, all: boolean): Promise<void> {
  const hints = (await stepsOfLab(lab)).flatMap((step) => step.hints);
  const seen = (await readProgress(undefined, warn)).labs[lab.id]?.hintsShown ?? 0;
  const upTo = all ? hints.length : Math.min(seen + 1, hints.length);
  const from = all ? 0 : upTo - 1;
  for (let i = from; i < upTo; i++) {
    say(`${bold(`Hint ${i + 1} of ${hints.length}`)} ${dim(`(lab ${lab.id})`)}`);
    say(`  ${hints[i]}`);
    say();
  }
  if (!all && seen >= hints.length) say(dim(`That was the last hint. The lab's README and lesson have the rest.`));
  await updateLabProgress(lab.id, (entry) => ({ ...entry, hintsShown: Math.max(entry.hintsShown, upTo) }), undefined, warn);
}
