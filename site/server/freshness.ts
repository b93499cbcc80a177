import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** Everything the built site is made from, relative to the repository root. */
export const siteSources = ["site/src", "site/public", "site/astro.config.mjs", "labs", "solutions", "kit/labs.ts", "kit/bench", "kit/manifest", "kit/paths.ts", "experiments"];

const skipped = new Set(["node_modules", ".astro", "dist", ".workbook"]);

/** Newest modification time (ms) under `target`; 0 when it does not exist. */
async function newestUnder(target: string): Promise<number> {
  const info = await stat(target).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs; // a deleted file shows up as a newer directory
  for (const entry of await readdir(target, { withFileTypes: true })) {
    if (skipped.has(entry.name)) continue;
    newest = Math.max(newest, await newestUnder(path.join(target, entry.name)));
  }
  return newest;
}

/**
 * Why the site needs building, or undefined when dist/ is newer than every source.
 * Comparing times is enough here: a stale page costs one rebuild, never lost work.
 */
export async function buildReason(root: string, distDir: string): Promise<string | undefined> {
  const built = await stat(path.join(distDir, "index.html")).catch(() => undefined);
  if (!built) return "no build yet";
  for (const source of siteSources) {
    if ((await newestUnder(path.join(root, source))) > built.mtimeMs) return `${source} changed since the last build`;
  }
  return undefined;
}
