// Invalidation on write: tell the CDN to forget what it holds about the paths a write changed.
import type { Config } from "./config.ts";

/**
 * Make Varnish (at config.varnishUrl) forget its copies of `paths`, and resolve once it has.
 * A Varnish that cannot be reached must not fail the write: log it and go on.
 */
export async function invalidate(config: Config, paths: string[]): Promise<void> {
  // TODO(4): one request per path to Varnish, with the method your VCL handles.
  void config;
  void paths;
}
