// The experiment's chart, drawn by the build from its recorded `chart:` line (experiments/chart.ts),
// shown on the lesson page by an <img> so the SVG does not weigh on the page's HTML budget.
import type { APIRoute, GetStaticPaths } from "astro";
import { getCollection } from "astro:content";

export const getStaticPaths = (async () =>
  (await getCollection("experiments")).flatMap((entry) => (entry.data.chart ? [{ params: { name: entry.id }, props: { body: entry.data.chart.file } }] : []))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) => new Response(props.body as string, { headers: { "content-type": "image/svg+xml" } });
