import { execFile } from "node:child_process";
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Lab } from "./labs.ts";
import { repoRoot, workbookDir } from "./paths.ts";

const run = promisify(execFile);

/**
 * A throw-away folder inside the repository (so node_modules and "#kit/..." imports resolve)
 * for running a lab without touching the learner's files.
 */
export async function makeScratch(label: string, root = repoRoot): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = path.join(workbookDir(root), "scratch", `${label}-${process.pid}-${Date.now().toString(36)}`);
  await mkdir(dir, { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Copy the lab as it is in the working tree into `dest`, optionally with its solution laid over it. */
export async function copyLab(lab: Lab, dest: string, withSolution = false): Promise<string> {
  const target = path.join(dest, lab.id);
  await cp(lab.dir, target, { recursive: true, filter: (source) => !source.includes(`${path.sep}node_modules`) });
  // solutions/<id>/wrong/ holds the stored wrong solutions (patches), not files of the solved lab.
  const wrong = path.join(lab.solutionDir, "wrong");
  if (withSolution) await cp(lab.solutionDir, target, { recursive: true, filter: (source) => source !== wrong });
  return target;
}

export class NoStarterError extends Error {
  override name = "NoStarterError";
}

/** The lab's files as committed at `ref`: the pristine starter, whatever the learner has changed since. */
export async function starterFiles(lab: Lab, ref = "HEAD", root = repoRoot): Promise<Map<string, Buffer>> {
  const rel = path.relative(root, lab.dir);
  let listing: string;
  try {
    ({ stdout: listing } = await run("git", ["ls-tree", "-r", "--name-only", ref, "--", rel], { cwd: root }));
  } catch (error) {
    throw new NoStarterError(`Cannot read the starter of ${lab.id} from git (${(error as Error).message.split("\n")[0]}). The workbook must be a git clone for this command.`);
  }
  const files = new Map<string, Buffer>();
  for (const file of listing.split("\n").filter(Boolean)) {
    const { stdout } = await run("git", ["show", `${ref}:${file}`], { cwd: root, encoding: "buffer", maxBuffer: 64 * 1024 * 1024 });
    files.set(path.relative(rel, file), stdout);
  }
  if (files.size === 0) throw new NoStarterError(`${lab.id} is not in git at ${ref}, so its starter files cannot be recovered.`);
  return files;
}

/** Write the starter (from git) of a lab into `dest`/<id>. */
export async function materializeStarter(lab: Lab, dest: string, ref = "HEAD"): Promise<string> {
  const target = path.join(dest, lab.id);
  for (const [file, content] of await starterFiles(lab, ref)) {
    await mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await writeFile(path.join(target, file), content);
  }
  return target;
}
