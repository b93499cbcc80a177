import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { makeScratch } from "../../kit/scratch.ts";
import { axeFor } from "./helpers/axe.ts";
import { newContext, openSite, type SiteUnderTest } from "./helpers/browser.ts";
import { repoRoot } from "./helpers/build.ts";

/**
 * A real `npm run lab -- bench 1 --runs 1` (lab 01 needs no services: two in-process instances behind a
 * balancer, a few seconds) on a copy of the workbook, then the lab page from the local server: its
 * "Your bench" shows the run as a chart, with its summary and its table.
 */
const lab = "01-statelessness";
let site: SiteUnderTest;
let scratch: { dir: string; remove(): Promise<void> };

before(async () => {
  site = await openSite();
  // Inside the repository, so the copy's "#kit/..." imports and node_modules resolve.
  scratch = await makeScratch("bench-chart");
  for (const tree of ["labs", "solutions"]) await cp(path.join(repoRoot, tree, lab), path.join(scratch.dir, tree, lab), { recursive: true });
  // The bench reads the starter from git: commit the copy, then make "yours" the solution.
  const git = (...args: string[]) => {
    const run = spawnSync("git", ["-c", "user.name=Workbook", "-c", "user.email=workbook@example.invalid", ...args], { cwd: scratch.dir, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
  };
  git("init", "-q");
  git("add", "labs");
  git("commit", "-qm", "starter");
  await cp(path.join(scratch.dir, "solutions", lab), path.join(scratch.dir, "labs", lab), { recursive: true });
});
after(async () => {
  await site?.close();
  await scratch?.remove();
});

test("after a real bench run, the lab page shows its chart with the summary and the table of figures", { timeout: 300_000 }, async () => {
  const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(`${site.baseUrl}/labs/${lab}/`);
    const placeholder = page.locator("[data-bench]");
    await placeholder.waitFor();
    // No run yet: the page points to our reference figures, labelled as ours.
    assert.match(await placeholder.innerText(), /^Our figures as charts, measured on our solution, not your code\.$/, "no run yet: the page keeps its fallback");
    assert.equal(await placeholder.locator("a").getAttribute("href"), "bench/");
    assert.equal(await placeholder.locator("figure").count(), 0, "no chart of yours before a run");

    const run = spawnSync(process.execPath, [path.join(repoRoot, "kit/cli/main.ts"), "bench", "1", "--runs", "1"], {
      env: { ...process.env, WORKBOOK_ROOT: scratch.dir, NO_COLOR: "1" },
      encoding: "utf8",
      timeout: 240_000,
    });
    assert.equal(run.status, 0, `lab bench 1 failed:\n${run.stdout}\n${run.stderr}`);
    // The server reads the learner's .workbook/: put the run where it looks.
    await mkdir(path.join(site.progressRoot, ".workbook", "bench"), { recursive: true });
    await cp(path.join(scratch.dir, ".workbook", "bench", `${lab}.json`), path.join(site.progressRoot, ".workbook", "bench", `${lab}.json`));

    await page.reload();
    const chart = page.locator("[data-bench] figure.wb-chart").first();
    await chart.waitFor({ timeout: 30_000 });
    assert.equal(await page.locator("[data-bench] h3#your-bench").innerText(), "Your bench");
    const svg = chart.locator("svg[role=img]");
    assert.equal(await svg.getAttribute("aria-label"), "sessions lost per 200 requests: starter against yours");
    const summaryId = await svg.getAttribute("aria-describedby");
    const summary = await chart.locator("figcaption").innerText();
    assert.equal(await chart.locator("figcaption").getAttribute("id"), summaryId, "the picture is described by the visible summary");
    assert.match(summary, /^Sessions lost per 200 requests: starter \d+ requests?, yours \d+ requests? \(lower is better\)\.$/);
    const rows = await chart.locator("table tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows.map((r) => r[0]), ["starter", "yours"]);
    for (const row of rows) assert.match(row[1] ?? "", /^\d+ requests?$/);
    assert.match(await chart.locator("svg").innerHTML(), />yours<\/text>/, "the bars are named in the picture");
    assert.match(await page.locator("[data-bench]").innerText(), /medians of 1 run of each variant/);
  } finally {
    await context.close();
  }
});

// The server injects the chart after the page loads, so the every-page audit (a11y.test.ts), which
// runs before any bench, never sees it. This audits it in both themes, once the run above has saved it.
for (const theme of ["light", "dark"] as const) {
  test(`the injected bench chart has no axe violations in ${theme} mode`, async () => {
    const context = await newContext(site, { theme });
    const page = await context.newPage();
    try {
      await page.goto(`${site.baseUrl}/labs/${lab}/`);
      await page.locator("[data-bench] figure.wb-chart").first().waitFor({ timeout: 30_000 });
      const { violations, passes } = await axeFor(page).include("[data-bench]").analyze();
      // The audit reached the picture: axe checked the SVG's accessible name and the text's contrast.
      for (const rule of ["svg-img-alt", "color-contrast"]) assert.ok(passes.some((p) => p.id === rule), `axe did not check ${rule} on the chart`);
      assert.deepEqual(
        violations.map((v) => `${v.id} (${v.impact}) ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`),
        [],
      );
    } finally {
      await context.close();
    }
  });
}
