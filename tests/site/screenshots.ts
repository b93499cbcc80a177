/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
/**
 * Screenshots for a human to look at: a lesson, a lab page and the flashcards, at 1280 and
 * 360 px, light and dark. Not a test (nothing to assert about looks); run it after changes:
 *   node tests/site/screenshots.ts [outDir=/tmp/shots] [path ...]
 * With paths (/lessons/sharding/), those pages, each in full, instead of the usual four.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { listLabs } from "../../kit/labs.ts";
import { newContext, openSite } from "./helpers/browser.ts";
import { repoRoot } from "./helpers/build.ts";

const outDir = process.argv[2] ?? "/tmp/shots";
await mkdir(outDir, { recursive: true });
const site = await openSite();
const [lab] = await listLabs(repoRoot);
const chosen = process.argv.slice(3).map((page) => ({ name: page.replace(/^\/|\/$/g, "").replace(/\//g, "-") || "home", path: page, full: true }));
const targets: { name: string; path: string; full?: boolean }[] = chosen.length > 0 ? chosen : [
  { name: "lesson", path: "/lessons/cache-aside/" },
  { name: "lab", path: lab ? `/labs/${lab.id}/` : "/labs/" },
  { name: "flashcards", path: "/flashcards/" },
  { name: "home", path: "/" },
];
try {
  for (const theme of ["light", "dark"] as const) {
    for (const width of [1280, 360]) {
      const context = await newContext(site, { theme, width });
      const page = await context.newPage();
      for (const target of targets) {
        await page.goto(`${site.baseUrl}${target.path}`, { waitUntil: "networkidle" });
        if (target.name === "flashcards") {
          await page.locator("article[data-card]:visible").waitFor();
          await page.keyboard.press("Space");
        }
        const file = path.join(outDir, `${target.name}-${width}-${theme}.png`);
        await page.screenshot({ path: file, fullPage: target.full ?? (target.name !== "lesson" && target.name !== "lab") });
        console.log(file);
      }
      await context.close();
    }
  }
} finally {
  await site.close();
}
