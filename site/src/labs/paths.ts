import { getCollection, type CollectionEntry } from "astro:content";

/** The static paths of a per-lab route (/labs/<id>/, .../files/, .../solution/), one per lab that `keep` accepts. */
export async function labPaths(keep: (entry: CollectionEntry<"labs">) => boolean = () => true) {
  const labs = await getCollection("labs");
  return labs.filter(keep).map((entry) => ({ params: { lab: entry.id }, props: { entry } }));
}
