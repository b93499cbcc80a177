import type { Lab } from "../../labs.ts";
import { describeState, labState, readProgress } from "../../progress.ts";
import { bold, dim, green, red, say, table, warn, yellow } from "../output.ts";

export async function listLabs(labs: Lab[]): Promise<void> {
  const progress = await readProgress(undefined, warn);
  const rows = labs.map((lab) => {
    const state = labState(progress.labs[lab.id]);
    const text = describeState(state);
    const painted = state.state === "passing" ? green(text) : state.state === "failing" ? red(text) : state.state === "reset" ? yellow(text) : dim(text);
    return [bold(lab.id.slice(0, 2)), lab.id.slice(3), lab.manifest.title, painted];
  });
  for (const line of table([[dim("#"), dim("lab"), dim("title"), dim("state")], ...rows])) say(line);
  say();
  say(dim("Start one with: npm run lab -- test 1"));
}
