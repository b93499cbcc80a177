// GET /api/bench/<lab-id>: the learner's bench figures for a lab page, drawn on the server from
// .workbook/bench/<lab-id>.json (the file `lab bench` appends to) as static SVG charts in an HTML fragment.
import path from "node:path";
import { readBenchHistory } from "../../kit/bench/history.ts";
import { scanLabs } from "../../kit/labs.ts";
import { readBenchReference } from "../src/labs/bench-reference.ts";
import { benchHistoryHtml } from "../src/charts/bench.ts";

export interface BenchResponse {
  lab: string;
  /** Saved runs; 0 with a 404. */
  runs: number;
  /** The charts (200), or the note about a damaged history (404), as HTML for the lab page's "Your bench". */
  html?: string;
  /** Where a damaged history was moved, relative to the workbook's root. */
  setAside: string | null;
  error?: string;
}

/** The status and body of GET /api/bench/<labId>. */
export async function benchResponse(labId: string, labsRoot: string, progressRoot: string): Promise<{ status: number; body: BenchResponse }> {
  const { labs } = await scanLabs(labsRoot);
  if (!/^\d{2}-[a-z0-9-]+$/.test(labId) || !labs.some((lab) => lab.id === labId)) {
    return { status: 404, body: { lab: labId, runs: 0, setAside: null, error: `There is no lab "${labId}"; use its full id, e.g. ${labs[0]?.id ?? "01-statelessness"}.` } };
  }
  let warning: string | undefined;
  const history = await readBenchHistory(labId, progressRoot, (message) => {
    warning = message;
    console.warn(message);
  });
  const setAside = warning ? (/ kept as (\S+) and/.exec(warning)?.[1] ?? null) : null;
  const note = setAside
    ? `Your saved bench runs were damaged, so the page cannot show them; the file is kept as ${setAside}, and your next run starts a new history.`
    : undefined;
  const number = labId.slice(0, 2);
  if (history.runs.length === 0) {
    return {
      status: 404,
      body: {
        lab: labId,
        runs: 0,
        setAside,
        error: `No bench run of lab ${labId} is saved in ${path.join(".workbook", "bench", `${labId}.json`)}: run npm run lab -- bench ${number}.`,
        ...(note ? { html: `<p class="wb-bench__note" role="note">${note.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p>` } : {}),
      },
    };
  }
  const reference = await readBenchReference(labId, labsRoot).catch(() => null);
  const compare = reference ? `<p>Compare with <a href="/labs/${labId}/bench/">our figures</a>, measured by the course on our solution.</p>` : "";
  return { status: 200, body: { lab: labId, runs: history.runs.length, setAside, html: (await benchHistoryHtml(history, note)) + compare } };
}
