// The experiment's pinned package.json, mounted beside it in the WebContainer.
import type { APIRoute, GetStaticPaths } from "astro";
import { getCollection } from "astro:content";

export const getStaticPaths = (async () =>
  (await getCollection("experiments")).map((entry) => ({ params: { name: entry.id }, props: { body: entry.data.packageJson } }))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ props }) => new Response(props.body as string, { headers: { "content-type": "application/json" } });
