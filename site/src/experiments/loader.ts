import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Loader } from "astro/loaders";
import { z } from "zod";
import { listExperiments, packageJsonFor, recordAll } from "../../../experiments/catalog.ts";
import { chartTable, drawChart, splitChartLine, standaloneSvg } from "./chart.ts";

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
  /** The numbers of the output's `chart:` line (./chart.ts), drawn once; absent when it printed none. */
  chart: z
    .object({
      label: z.string(),
      summary: z.string(),
      /** For /experiments/<name>/chart.svg, shown by an <img>: a fixed colour, inverted by CSS in the dark theme. */
      file: z.string(),
      width: z.number(),
      height: z.number(),
      /** For inlining in a page (the data page): currentColor, so it takes the theme's text colour. */
      inline: z.string(),
      table: z.object({ caption: z.string(), head: z.array(z.string()), rows: z.array(z.array(z.union([z.string(), z.number()]))) }),
    })
    .optional(),
});

/**
 * One entry per experiments/*.mjs, with the output of running it under Node. Recordings are cached
 * by content hash in node_modules/.cache/experiments, so an unchanged experiment is not run again;
 * two run at a time. An experiment that exits non-zero fails the build (recordAll rejects), and so does
 * a malformed `chart:` line; a chart is drawn once per distinct line (node_modules/.cache/experiment-charts).
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
      const chartCache = path.join(root, "node_modules", ".cache", "experiment-charts");
      for (const experiment of experiments) {
        const recording = recordings.get(experiment.name)!;
        // Throws, naming the experiment and the fault, when its chart line is malformed.
        const { text, chart } = splitChartLine(experiment.name, recording.output);
        let drawn;
        if (chart) {
          const inline = await drawChart(chart, chartCache);
          drawn = { label: chart.label, summary: chart.summary, inline, ...standaloneSvg(inline, chart.label), table: chartTable(chart) };
        }
        const data = await parseData({
          id: experiment.name,
          data: {
            lesson: experiment.lesson,
            claim: experiment.claim,
            source: experiment.source,
            packageJson: packageJsonFor(experiment),
            output: text.trimEnd(),
            ms: recording.ms,
            ...(drawn ? { chart: { label: drawn.label, summary: drawn.summary, file: drawn.svg, width: drawn.width, height: drawn.height, inline: drawn.inline, table: drawn.table } } : {}),
          },
        });
        store.set({ id: experiment.name, data });
      }
      logger.info(`${experiments.length} experiments recorded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
  };
}
