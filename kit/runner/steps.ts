import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Lab } from "../labs.ts";
import { labSteps, type LabStep } from "../manifest/schema.ts";

/** Every test file of a lab folder (`test/**\/*.test.ts`), relative to it with forward slashes, sorted. */
export async function listTestFiles(labDir: string): Promise<string[]> {
  const entries = await readdir(path.join(labDir, "test"), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".test.ts"))
    .map((entry) => path.relative(labDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

/** The steps of a lab on disk, in order, from either manifest shape (see `labSteps`). */
export async function stepsOfLab(lab: Pick<Lab, "dir" | "manifest">): Promise<LabStep[]> {
  return labSteps(lab.manifest, await listTestFiles(lab.dir));
}
