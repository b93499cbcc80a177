import { getCollection, type CollectionEntry } from "astro:content";
import { fileAnchor } from "./anchors.ts";

/** The static paths of a per-lab route (/labs/<id>/, .../files/, .../solution/), one per lab that `keep` accepts. */
export async function labPaths(keep: (entry: CollectionEntry<"labs">) => boolean = () => true) {
  const labs = await getCollection("labs");
  return labs.filter(keep).map((entry) => ({ params: { lab: entry.id }, props: { entry } }));
}

/**
 * A capstone edits many files: all of them highlighted on one page would be several times a page's HTML
 * budget, so its files page and its solution page list them, and each file has a page of its own.
 */
export const filePerPage = (entry: CollectionEntry<"labs">) => entry.data.manifest.capstone === true;

/** The static paths of a per-file route (.../files/<file>/, .../solution/<file>/) of the labs that show one file a page. */
export async function labFilePaths(which: "starter" | "solution") {
  const labs = (await getCollection("labs")).filter(filePerPage);
  return labs.flatMap((entry) => entry.data[which].map((file) => ({ params: { lab: entry.id, file: fileAnchor(file.path) }, props: { entry, file } })));
}
