// @ts-check
import { defineEcConfig } from "@astrojs/starlight/expressive-code";

/**
 * Two changes to Expressive Code's output, both applied while rendering each block:
 *
 * 1. Every <pre> starts keyboard-focusable. Expressive Code's script adds tabindex only to
 *    blocks that overflow, after an idle callback; until then a wide block cannot be scrolled
 *    by keyboard (axe: scrollable-region-focusable). Its script still removes it from blocks
 *    that turn out not to overflow.
 *
 * 2. Expressive Code keeps a second copy of every code block in the copy button's `data-code`
 * attribute. On code-heavy lessons that copy costs ~1.5 kB gzip of the 15 kB HTML budget, so
 * this plugin drops it and fills it in from the rendered lines at the moment of the click
 * (a capturing listener runs before Expressive Code's own copy handler).
 */
const workbookCodeBlocks = {
  name: "workbook-code-blocks",
  hooks: {
    /** @param {{ renderData: { blockAst: import("hast").Element } }} context */
    postprocessRenderedBlock({ renderData }) {
      /** @param {import("hast").Element | import("hast").ElementContent} node */
      const strip = (node) => {
        if (node.type !== "element") return;
        if (node.tagName === "button" && node.properties?.dataCode !== undefined) delete node.properties.dataCode;
        if (node.tagName === "pre") node.properties = { ...node.properties, tabIndex: 0 };
        node.children.forEach(strip);
      };
      strip(renderData.blockAst);
    },
  },
  jsModules: [
    `document.addEventListener("click", (event) => {
      const button = event.target instanceof Element ? event.target.closest(".expressive-code .copy button") : null;
      if (!button || button.dataset.code !== undefined) return;
      const lines = button.closest(".expressive-code")?.querySelectorAll("pre .ec-line .code") ?? [];
      button.dataset.code = Array.from(lines, (line) => line.textContent).join("\\u007f");
    }, true);`,
  ],
};

export default defineEcConfig({
  plugins: [workbookCodeBlocks],
});
