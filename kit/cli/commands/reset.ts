import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import type { Lab } from "../../labs.ts";
import { repoRoot, workbookDir } from "../../paths.ts";
import { recordReset, updateLabProgress } from "../../progress.ts";
import { starterFiles } from "../../scratch.ts";
import { bold, dim, say, warn } from "../../terminal/output.ts";
import { UsageError } from "../usage.ts";

/** Put the starter files back, after saving the learner's current files to .workbook/backups/, and record the reset in progress. */
export async function resetLab(lab: Lab, options: { yes: boolean; ref: string }): Promise<void> {
  const starter = await starterFiles(lab, options.ref);
  const changed: string[] = [];
  for (const file of lab.manifest.files) {
    const current = await readFile(path.join(lab.dir, file)).catch(() => undefined);
    const original = starter.get(file);
    if (!original) throw new Error(`${file} is listed in labs/${lab.id}/lab.json but is not in git at ${options.ref}; nothing was changed.`);
    if (!current || !current.equals(original)) changed.push(file);
  }
  if (changed.length === 0) {
    say(`Lab ${lab.id} already matches its starter. Nothing to do.`);
    return;
  }
  if (!options.yes) {
    if (!process.stdin.isTTY) throw new UsageError(`reset would overwrite ${changed.join(", ")}; run it in a terminal to confirm, or pass --yes.`);
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(`Replace ${changed.join(", ")} in labs/${lab.id} with the starter? Your files are backed up first. [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      say("Nothing changed.");
      return;
    }
  }
  const backup = path.join(workbookDir(), "backups", lab.id, new Date().toISOString().replace(/[:.]/g, "-"));
  for (const file of changed) {
    const source = path.join(lab.dir, file);
    await mkdir(path.dirname(path.join(backup, file)), { recursive: true });
    await cp(source, path.join(backup, file)).catch(() => {});
  }
  for (const file of changed) {
    await mkdir(path.dirname(path.join(lab.dir, file)), { recursive: true });
    await writeFile(path.join(lab.dir, file), starter.get(file)!);
  }
  // The last run described the learner's code, which is gone: the CLI and the site say "reset" until the next run.
  await updateLabProgress(lab.id, (entry) => recordReset(entry), undefined, warn);
  say(`Reset ${changed.map((f) => bold(f)).join(", ")} to the starter.`);
  say(dim(`Your previous files are in ${path.relative(repoRoot, backup)}/`));
}
