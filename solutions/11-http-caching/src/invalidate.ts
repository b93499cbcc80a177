// Invalidation on write: tell the CDN to forget what it holds about the paths a write changed.
import type { Config } from "./config.ts";

/**
 * Make Varnish (at config.varnishUrl) forget its copies of `paths`, and resolve once it has.
 * A Varnish that cannot be reached must not fail the write: log it and go on.
 */
export async function invalidate(config: Config, paths: string[]): Promise<void> {
  if (!config.varnishUrl) return;
  const base = config.varnishUrl.replace(/\/+$/, "");
  await Promise.all(
    paths.map(async (path) => {
      try {
        // PURGE is not a standard method: the VCL turns it into return (purge), for the app only.
        // The timeout keeps a hung Varnish from holding every write.
        const response = await fetch(`${base}${path}`, { method: "PURGE", signal: AbortSignal.timeout(5000) });
        await response.arrayBuffer();
        if (response.status !== 200) console.error(`PURGE ${path} answered ${response.status}`);
      } catch (error) {
        console.error(`PURGE ${path} failed: ${(error as Error).message}; the cache keeps it until its TTL ends`);
      }
    }),
  );
}
