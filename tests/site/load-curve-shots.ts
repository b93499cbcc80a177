/**
 * The load-curve chart, drawn from the fixture, as a person sees it in light and dark mode. Not a test:
 * run it after changing the chart and look at the pictures.
 *   node tests/site/load-curve-shots.ts [outDir=/tmp]  ->  load-curve-light.png, load-curve-dark.png
 */
import path from "node:path";
import { chromium } from "playwright-core";
import { drawChart } from "../../site/src/charts/bench.ts";
import { loadCurveChart } from "../../site/src/charts/load-curve.ts";
import { loadCurveFixture } from "./fixtures/load-curve.ts";

const outDir = process.argv[2] ?? "/tmp";
// The table opened, to look at it too.
const figure = (await drawChart(loadCurveChart(loadCurveFixture))).replace("<details ", "<details open ");
// The page colours of the site's two themes, near enough: the chart takes the text colour.
const themes = { light: { fg: "#23262f", bg: "#ffffff" }, dark: { fg: "#e8eaf0", bg: "#17181c" } };
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
try {
  for (const [theme, { fg, bg }] of Object.entries(themes)) {
    const page = await browser.newPage({ viewport: { width: 640, height: 800 }, deviceScaleFactor: 2 });
    await page.setContent(`<!doctype html><style>table{border-collapse:collapse}th,td{padding:2px 8px;text-align:left}</style><html style="color:${fg};background:${bg};font-family:system-ui,sans-serif"><body style="margin:16px">${figure}</body></html>`);
    const file = path.join(outDir, `load-curve-${theme}.png`);
    await page.locator("figure").screenshot({ path: file });
    console.log(file);
    await page.close();
  }
} finally {
  await browser.close();
}
