// @ts-check
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "astro/config";
import starlight from "@astrojs/starlight";
import mdx from "@astrojs/mdx";
import { lessons, lessonTitle } from "./src/lessons.ts";
import { listLabs } from "../kit/labs.ts";
import { htmlWeight } from "./src/build/html-weight.ts";

/** "Search.astro_astro_type_script_index_0_lang" → "Search"; a second script of one component → "Search-1". */
const scriptName = (/** @type {string} */ name) =>
  name.replace(/\.astro_astro_type_script_index_(\d+)_lang$/, (_, i) => (i === "0" ? "" : `-${i}`)).replace(/[^\w.-]/g, "_");

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const lessonsDir = new URL("./src/content/docs/lessons/", import.meta.url);

// Lessons appear in course order. A lesson file not written yet is left out of the
// sidebar instead of failing the build; the site tests check that every lesson exists.
const lessonItems = lessons
  .filter(({ slug }) => existsSync(new URL(`${slug}.mdx`, lessonsDir)) || existsSync(new URL(`${slug}.md`, lessonsDir)))
  .map(({ slug }) => ({ slug: `lessons/${slug}` }));

// Labs come from labs/*/lab.json through the kit: the manifest is the single source. The sidebar
// names each by the title of the lesson it belongs to ("11 · HTTP caching and CDNs"), one line each;
// the lab's own, longer title heads its page. (The labels are on every page, so their length counts
// against each page's 10 kB budget; the lesson titles are already in the sidebar, so they compress.)
const labItems = (await listLabs(repoRoot)).map((lab) => ({
  label: `${lab.id.slice(0, 2)} · ${lessonTitle(lab.manifest.lesson)}`,
  link: `/labs/${lab.id}/`,
}));

export default defineConfig({
  trailingSlash: "always",
  // The repository root hoists express's cookie@0.7 (CommonJS) while Astro needs cookie@2 (ESM).
  // Bundling it into the prerender chunk resolves it from Astro's own folder instead.
  vite: {
    environments: {
      prerender: { resolve: { noExternal: ["cookie"] } },
      // A component's script is named after it ("Search.astro_astro_type_script_index_0_lang.<hash>.js"
      // by default): "Search.<hash>.js" says as much, and the shorter names save about 30 bytes of
      // gzipped HTML on every page (a lesson's chart needs them; issue 10's 10 kB budget).
      client: { build: { rolldownOptions: { output: { entryFileNames: (chunk) => `_astro/${scriptName(chunk.name)}.[hash].js` } } } },
    },
    // Scripts as files, not inlined into every page: the browser caches them once, and each page's
    // HTML stays within its 10 kB budget.
    build: { assetsInlineLimit: 0 },
  },
  integrations: [
    starlight({
      title: "Scalable APIs Workbook",
      description:
        "A self-paced course on building APIs whose throughput and latency degrade gracefully: lessons, hands-on labs and spaced-repetition flashcards.",
      lastUpdated: false,
      // No "#" link icon beside every heading: the table of contents links each one already, and
      // the icons cost about 0.6 kB of a lesson's 10 kB HTML budget.
      markdown: { headingLinks: false },
      pagination: true,
      components: {
        Search: "./src/components/Search.astro",
        TwoColumnContent: "./src/components/TwoColumnContent.astro",
        ThemeProvider: "./src/components/ThemeProvider.astro",
        ThemeSelect: "./src/components/ThemeSelect.astro",
        Sidebar: "./src/components/Sidebar.astro",
        Pagination: "./src/components/Pagination.astro",
      },
      customCss: ["./src/styles/workbook.css", "./src/styles/flashcards.css", "./src/styles/inline-code.css"],
      sidebar: [
        { label: "Start here", link: "/" },
        { label: "Lessons", items: lessonItems },
        { label: "Labs", items: [{ label: "All labs", link: "/labs/" }, ...labItems] },
        { label: "Flashcards", link: "/flashcards/" },
      ],
    }),
    mdx(),
    htmlWeight(),
  ],
});
