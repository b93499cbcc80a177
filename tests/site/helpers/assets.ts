import { readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { distDir } from "./build.ts";

export const gzipSize = (data: string | Buffer) => gzipSync(data, { level: 9 }).length;

const attr = (tag: string, name: string) => tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];

/** Static `import ... from "./x.js"` and `import "./x.js"` in a built chunk; dynamic import() is lazy and not counted. */
function staticImports(code: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["'`]([^"'`]+)["'`]/g)) found.push(match[1]!);
  return found;
}

/**
 * JavaScript a page loads before any interaction: module and classic scripts it names, inline
 * scripts, and every chunk those import statically. Each file is counted once, gzipped on its own.
 */
export async function pageJs(html: string, dir = distDir): Promise<{ bytes: number; files: string[] }> {
  let bytes = 0;
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    const [, attrs = "", body = ""] = match;
    const type = attr(attrs, "type");
    if (type && type !== "module" && type !== "text/javascript") continue; // JSON data, not code
    const src = attr(attrs, "src");
    if (src) queue.push(src);
    else if (body.trim()) {
      bytes += gzipSize(body);
      for (const imported of staticImports(body)) queue.push(imported);
    }
  }
  for (const match of html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*>/g)) {
    const href = attr(match[0], "href");
    if (href) queue.push(href);
  }
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url) || /^https?:/.test(url)) continue;
    seen.add(url);
    const code = await readFile(path.join(dir, url.replace(/[?#].*$/, ""))).catch(() => undefined);
    if (!code) continue;
    bytes += gzipSize(code);
    for (const imported of staticImports(code.toString())) queue.push(path.posix.join(path.posix.dirname(url), imported));
  }
  return { bytes, files: [...seen] };
}
