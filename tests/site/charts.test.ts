import assert from "node:assert/strict";
import { test } from "node:test";
import { chartFigureHtml, renderSvg } from "../../site/src/charts/render.ts";

const bars = { data: { values: [{ v: "starter", x: 97 }, { v: "yours", x: 3 }] }, width: 200, mark: "bar", encoding: { y: { field: "v", type: "nominal", title: null }, x: { field: "x", type: "quantitative", title: "sessions lost" } } } as const;

test("a chart is SVG drawn in Node whose every colour follows the theme's text colour", async () => {
  const svg = await renderSvg(bars);
  assert.match(svg, /^<svg\b[^>]*viewBox="0 0 \d+ \d+"/);
  const colours = [...svg.matchAll(/(?:fill|stroke)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(colours.includes("currentColor"), "marks and axes use currentColor");
  assert.deepEqual([...new Set(colours.filter((c) => c !== "currentColor" && c !== "none" && c !== "transparent"))], [], "no fixed colour that would vanish in one of the themes");
  assert.match(svg, />starter<\/text>/, "each bar is named by its label, not told apart by colour alone");
  assert.doesNotMatch(svg, /<rect[^>]*fill="white"/, "no white background");
});

test("a chart's figure names the picture, describes it with a visible summary and carries the data as a table", async () => {
  const html = chartFigureHtml({
    id: "lost 1",
    svg: await renderSvg(bars),
    label: "Sessions lost <per 200>",
    summary: "The starter lost 97 & yours 3.",
    table: { caption: "Sessions lost", head: ["code", "sessions lost"], rows: [["starter", 97], ["yours", 3]] },
  });
  assert.match(html, /^<figure class="wb-chart" id="lost-1"><svg role="img" aria-label="Sessions lost &#60;per 200&#62;" aria-describedby="lost-1-summary"/);
  assert.match(html, /<figcaption id="lost-1-summary">The starter lost 97 &#38; yours 3\.<\/figcaption>/);
  assert.match(html, /<thead><tr><th scope="col">code<\/th><th scope="col">sessions lost<\/th><\/tr><\/thead><tbody><tr><th scope="row">starter<\/th><td>97<\/td><\/tr><tr><th scope="row">yours<\/th><td>3<\/td><\/tr><\/tbody>/);
});
