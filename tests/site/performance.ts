/// <reference lib="dom" /> // page.evaluate callbacks run in the browser
/**
 * LCP and CLS of a lesson page in headless Chromium on localhost, from the browser's own
 * PerformanceObserver, median of several loads. Not a test: timings on a shared 2-core
 * machine are reported, never asserted.  node tests/site/performance.ts [path] [runs]
 */
import { newContext, openSite } from "./helpers/browser.ts";

const target = process.argv[2] ?? "/lessons/cache-aside/";
const runs = Number(process.argv[3] ?? 5);
const site = await openSite();
const lcps: number[] = [];
const clss: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await newContext(site);
    await context.addInitScript(() => {
      const w = window as unknown as { __lcp: number; __cls: number };
      w.__lcp = 0;
      w.__cls = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.__lcp = entry.startTime;
      }).observe({ type: "largest-contentful-paint", buffered: true });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
          if (!entry.hadRecentInput) w.__cls += entry.value;
        }
      }).observe({ type: "layout-shift", buffered: true });
    });
    const page = await context.newPage();
    await page.goto(`${site.baseUrl}${target}`, { waitUntil: "networkidle" });
    await page.waitForTimeout(500);
    const { lcp, cls } = await page.evaluate(() => {
      const w = window as unknown as { __lcp: number; __cls: number };
      return { lcp: w.__lcp, cls: w.__cls };
    });
    lcps.push(lcp);
    clss.push(cls);
    await context.close();
  }
} finally {
  await site.close();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${target}: LCP median ${median(lcps).toFixed(0)} ms (runs: ${lcps.map((x) => x.toFixed(0)).join(", ")}); CLS median ${median(clss).toFixed(4)} (runs: ${clss.map((x) => x.toFixed(4)).join(", ")})`);
