import AxeBuilder from "@axe-core/playwright";
import axe from "axe-core";
import type { Page } from "playwright-core";

/**
 * axe-core (4.14.1, current at the time of writing) files every `position: fixed` element in a
 * grid whose container is <html>. When it builds the stack of elements behind a fixed element it
 * recurses into that container using <html>'s own rectangle, whose centre is the middle of the
 * whole document. So whatever opaque element happens to sit at the document's midpoint (an inline
 * `code`, a table cell) is taken as the background of every fixed element, such as Starlight's
 * "On this page" list, and the verdict changes with the page's height: fonts, line breaks, or a
 * revealed hint move the midpoint. Upstream tracks the fixed-element grid in dequelabs/axe-core#4799.
 *
 * The fix: for the fixed grid, look behind the element at the element's own rectangle, which is
 * what the browser paints there (both rectangles are in viewport coordinates). Scroll containers
 * keep axe's behaviour. tests/site/axe-fixed-grid.test.ts shows the bug on stock axe, the fix, and
 * that a real low-contrast fixed element is still reported.
 */
const stockLine = "stack = getRectStack(gridContainer._grid, gridContainer.boundingClientRect, true).concat(stack);";
const fixedLine =
  "stack = getRectStack(gridContainer._grid, gridContainer.actualNode === document.documentElement ? rect : gridContainer.boundingClientRect, true).concat(stack);";

function patchAxeSource(source: string): string {
  const occurrences = source.split(stockLine).length - 1;
  if (occurrences !== 1) {
    throw new Error(
      `tests/site/helpers/axe.ts: expected the fixed-grid line once in axe-core ${axe.version}, found it ${occurrences} times. ` +
        "If axe-core fixed dequelabs/axe-core#4799, drop this patch and check tests/site/axe-fixed-grid.test.ts.",
    );
  }
  return source.replace(stockLine, fixedLine);
}

export const stockAxeSource = axe.source;
export const patchedAxeSource = patchAxeSource(axe.source);

/**
 * An axe run over the page with the fixed-grid fix. Legacy mode runs axe inside the page itself; the
 * default mode opens an extra blank page per run to merge frame results, which doubled the suite's
 * time, and this site has no iframes.
 */
export function axeFor(page: Page, source: string = patchedAxeSource): AxeBuilder {
  return new AxeBuilder({ page, axeSource: source }).setLegacyMode(true);
}
