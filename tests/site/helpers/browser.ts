import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Server } from "node:http";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createSiteServer, listen } from "../../../site/server/serve.ts";
import { distDir, ensureBuilt, repoRoot } from "./build.ts";

export interface SiteUnderTest {
  baseUrl: string;
  browser: Browser;
  /** A root whose .workbook/progress.json the test may write; the real one is never touched. */
  progressRoot: string;
  close(): Promise<void>;
}

/** Build (or reuse) dist/, serve it on a free port with the progress API, launch headless Chromium. */
export async function openSite(): Promise<SiteUnderTest> {
  await ensureBuilt();
  const progressRoot = await mkdtemp(path.join(os.tmpdir(), "wb-site-"));
  const server: Server = createSiteServer({ distDir, labsRoot: repoRoot, progressRoot });
  const port = await listen(server, 0, "127.0.0.1");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    progressRoot,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await rm(progressRoot, { recursive: true, force: true });
    },
  };
}

/** Console errors and uncaught exceptions of a page, collected from the moment it opens. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`exception: ${error.message}`));
  return errors;
}

export async function newContext(
  site: SiteUnderTest,
  options: { width?: number; theme?: "light" | "dark"; timezoneId?: string } = {},
): Promise<BrowserContext> {
  const context = await site.browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    colorScheme: options.theme ?? "light",
    acceptDownloads: true,
    ...(options.timezoneId ? { timezoneId: options.timezoneId, locale: "en-US" } : {}),
  });
  context.setDefaultTimeout(20_000);
  if (options.theme) {
    // Starlight reads the chosen theme from localStorage before first paint.
    await context.addInitScript((theme) => localStorage.setItem("starlight-theme", theme), options.theme);
  }
  return context;
}
