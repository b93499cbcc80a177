import { createReadStream } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import sirv from "sirv";
import { handleApi } from "./progress-api.ts";

/**
 * The headers that make a page cross-origin isolated. A static host needs the same two on every
 * page (see the README's "Lesson experiments" section); WebContainer.boot is told the COEP value.
 */
export const isolationHeaders = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
} as const;

export interface SiteServerOptions {
  /** The built site (site/dist). */
  distDir: string;
  /** Repository root whose labs/ the progress endpoint lists. */
  labsRoot: string;
  /** Root whose .workbook/progress.json holds the learner's progress (the repository root in `npm start`). */
  progressRoot: string;
}

/**
 * Static files from dist/ plus the progress API (GET /api/progress, POST /api/progress/hints). Pages get the `workbook-progress` cookie so
 * their script knows the endpoint exists; on a static host there is no cookie and no request.
 */
export function createSiteServer({ distDir, labsRoot, progressRoot }: SiteServerOptions): Server {
  const files = sirv(distDir, {
    dev: true, // re-read files on each request: a rebuild shows without a restart
    etag: true,
    setHeaders(res, pathname) {
      if (pathname.endsWith(".html") || pathname.endsWith("/")) {
        res.setHeader("set-cookie", "workbook-progress=1; Path=/; SameSite=Strict");
      }
    },
  });
  const server = createServer((req, res) => {
    // Cross-origin isolation, which WebContainer needs for SharedArrayBuffer ("Edit and run" on
    // lesson experiments). Every asset the site loads is its own, so require-corp blocks nothing.
    for (const [name, value] of Object.entries(isolationHeaders)) res.setHeader(name, value);
    if (req.url?.startsWith("/api/")) {
      const bound = server.address();
      void handleApi(req, res, labsRoot, progressRoot, typeof bound === "object" ? (bound as AddressInfo | null) : null);
      return;
    }
    files(req, res, () => {
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" });
      createReadStream(path.join(distDir, "404.html"))
        .on("error", () => res.end("Not found"))
        .pipe(res);
    });
  });
  return server;
}

/** Listen and resolve with the port actually bound (pass 0 for any free port). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
