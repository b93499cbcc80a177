import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildReason } from "../../../site/server/freshness.ts";
import { buildSite } from "../../../site/server/start.ts";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const distDir = path.join(repoRoot, "site", "dist");
const lockDir = path.join(repoRoot, "site", ".build-lock");

/**
 * Build the site once for the whole suite: reuse dist/ when it is newer than every source.
 * A directory lock keeps two test files from building at the same time.
 */
export async function ensureBuilt(): Promise<void> {
  for (let waited = 0; ; waited += 500) {
    try {
      await mkdir(lockDir);
      break;
    } catch {
      const lock = await stat(lockDir).catch(() => undefined);
      if (lock && Date.now() - lock.mtimeMs > 5 * 60_000) await rm(lockDir, { recursive: true, force: true }); // stale lock
      if (waited > 5 * 60_000) throw new Error("waited 5 minutes for another test's site build");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    const reason = await buildReason(repoRoot, distDir);
    if (reason) {
      console.log(`# building site: ${reason}`);
      await buildSite();
    }
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
