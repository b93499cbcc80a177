import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ManifestError, parseManifest, type LabManifest } from "./manifest/schema.ts";
import { labsDir, repoRoot, solutionsDir } from "./paths.ts";

export interface Lab {
  id: string;
  /** Absolute path of the learner's workspace, labs/<id>. */
  dir: string;
  /** Absolute path of the finished files, solutions/<id>. */
  solutionDir: string;
  manifest: LabManifest;
}

const labFolder = /^\d{2}-[a-z0-9-]+$/;

/** Every lab under labs/ with a valid manifest, plus the problems of those without one. */
export async function scanLabs(root = repoRoot): Promise<{ labs: Lab[]; problems: Error[] }> {
  const entries = await readdir(labsDir(root), { withFileTypes: true }).catch(() => []);
  const labs: Lab[] = [];
  const problems: Error[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !labFolder.test(entry.name)) continue;
    const dir = path.join(labsDir(root), entry.name);
    try {
      const text = await readFile(path.join(dir, "lab.json"), "utf8").catch(() => {
        throw new ManifestError(entry.name, ["lab.json is missing: every lab folder needs a manifest (see kit/manifest/schema.ts)"]);
      });
      labs.push({ id: entry.name, dir, solutionDir: path.join(solutionsDir(root), entry.name), manifest: parseManifest(entry.name, text) });
    } catch (error) {
      problems.push(error as Error);
    }
  }
  return { labs: labs.sort((a, b) => a.manifest.order - b.manifest.order), problems };
}

/** Every lab under labs/, validated through the manifest schema, in course order; throws on the first bad manifest. */
export async function listLabs(root = repoRoot): Promise<Lab[]> {
  const { labs, problems } = await scanLabs(root);
  if (problems[0]) throw problems[0];
  return labs;
}

/** The slug part of a lab id: "01-statelessness" -> "statelessness". */
export const labSlug = (id: string) => id.slice(3);

/**
 * Find a lab by any name a learner might type: "1", "01", "statelessness" or "01-statelessness".
 * Returns undefined when nothing matches; callers print the valid choices.
 */
export function findLab(labs: Lab[], name: string): Lab | undefined {
  const wanted = name.trim().toLowerCase();
  if (/^\d+$/.test(wanted)) {
    const order = Number(wanted);
    return labs.find((lab) => lab.manifest.order === order);
  }
  return labs.find((lab) => lab.id === wanted || labSlug(lab.id) === wanted);
}
