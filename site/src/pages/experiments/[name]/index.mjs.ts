// The experiment's file, fetched by the "Edit and run" control (scripts/experiment-live.ts).
import type { APIRoute, GetStaticPaths } from "astro";
import { getCollection } from "astro:content";

export const getStaticPaths = (async () =>
  (await getCollection("experiments")).map((entry) => ({ params: { name: entry.id }, props: { body: entry.data.source } }))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) => new Response(props.body as string, { headers: { "content-type": "text/javascript; charset=utf-8" } });
