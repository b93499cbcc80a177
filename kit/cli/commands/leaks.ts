// `npm run lab -- leaks [lab]`: the copyable share of each lab (kit/contract/leaks.ts) in one table, so
// that anyone editing a README or a lesson can see where a lab stands against the 20 % goal.
import type { Lab } from "../../labs.ts";
import { copyableShare, shareMinLength } from "../../contract/leaks.ts";
import { bold, dim, say } from "../../terminal/output.ts";

/** The share at or under which a lab is fine: a learner copies at most a fifth of the solution. */
export const shareGoal = 0.2;

/** Prints one line per lab; true when every lab is at or under the goal. */
export async function printLeaks(labs: readonly Lab[]): Promise<boolean> {
  say(bold("Copyable share: solution lines found verbatim in the README and the lesson (hints excluded)"));
  say(dim(`Counted: code lines (not comments) the solution adds to the starter, ${shareMinLength}+ characters with whitespace collapsed, found as whole words. Goal: at most ${shareGoal * 100} %.`));
  let allFine = true;
  for (const lab of labs) {
    const { copyable, total, share } = await copyableShare(lab);
    const over = share > shareGoal;
    if (over) allFine = false;
    say(`  ${lab.id.padEnd(26)} ${String(Math.round(share * 100)).padStart(3)} %   ${copyable} of ${total}${over ? "   over the goal" : ""}`);
  }
  return allFine;
}
