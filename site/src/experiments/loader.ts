import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Loader } from "astro/loaders";
import { z } from "zod";
import { listExperiments, packageJsonFor, recordAll } from "../../../experiments/catalog.ts";

export const experimentSchema = z.object({
  lesson: z.string(),
  claim: z.string(),
  /** The file as a learner edits it in the browser, and as `npm run experiment` runs it. */
  source: z.string(),
  /** Exact versions of the packages it imports, for the WebContainer's npm install. */
  packageJson: z.string(),
  /** What it printed when the build ran it under Node. */
  output: z.string(),
  ms: z.number(),
});

/**
 * One entry per experiments/*.mjs, with the output of running it under Node. Recordings are cached
 * by content hash in node_modules/.cache/experiments, so an unchanged experiment is not run again;
 * two run at a time. An experiment that exits non-zero fails the build (recordAll rejects).
 */
export function experimentsLoader(): Loader {
  return {
    name: "workbook-experiments",
    async load({ store, config, logger, parseData }) {
      const root = fileURLToPath(new URL("../", config.root));
      const experiments = await listExperiments(path.join(root, "experiments"), root);
      const started = Date.now();
      const recordings = await recordAll(experiments, { concurrency: 2, cacheDir: path.join(root, "node_modules", ".cache", "experiments") });
      store.clear();
      for (const experiment of experiments) {
        const recording = recordings.get(experiment.name)!;
        const data = await parseData({
          id: experiment.name,
          data: {
            lesson: experiment.lesson,
            claim: experiment.claim,
            source: experiment.source,
            packageJson: packageJsonFor(experiment),
            output: recording.output.trimEnd(),
            ms: recording.ms,
          },
        });
        store.set({ id: experiment.name, data });
      }
      logger.info(`${experiments.length} experiments recorded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
  };
}
