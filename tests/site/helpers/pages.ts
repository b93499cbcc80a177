import { readdir } from "node:fs/promises";
import path from "node:path";
import { distDir } from "./build.ts";

/** Every page in dist/ as a URL path ("/", "/lessons/statelessness/", ...), sorted; 404 excluded. */
export async function listPages(dir = distDir): Promise<string[]> {
  const pages: string[] = [];
  async function walk(folder: string) {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "pagefind" && entry.name !== "_astro" && !entry.name.startsWith(".")) await walk(full);
      } else if (entry.name === "index.html") {
        const rel = path.relative(dir, folder).split(path.sep).join("/");
        pages.push(rel ? `/${rel}/` : "/");
      }
    }
  }
  await walk(dir);
  return pages.sort();
}

export const htmlFile = (page: string, dir = distDir) => path.join(dir, ...page.split("/").filter(Boolean), "index.html");
