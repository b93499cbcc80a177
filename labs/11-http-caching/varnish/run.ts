// For `npm run lab -- start 11`: the CDN in front of the app that `lab start` runs. The kit's
// resolution order: VARNISH_URL or a compose Varnish on 127.0.0.1:6081 (both forward to the app
// on port 3000) is used as it is; otherwise a private varnishd runs this folder's default.vcl on
// 127.0.0.1:6081, pointed at ORIGIN_URL, until SIGINT or SIGTERM.
import { readFile } from "node:fs/promises";
import { locateVarnish, resolveVarnish, vclWithBackend } from "#kit/services/index.ts";

const origin = new URL(process.env.ORIGIN_URL ?? "http://127.0.0.1:3000");
const port = Number(process.env.CDN_PORT ?? 6081);

const found = await locateVarnish();
if (found.env.VARNISH_URL) {
  // Someone else runs it, with the VCL they loaded: say so, and stay up until stopped.
  console.log(`Varnish on ${found.env.VARNISH_URL}: ${found.backend}`);
  if (origin.port !== "3000") console.log(`note: it forwards to port 3000, but the app is on ${origin.port}`);
  const exit = () => process.exit(0);
  process.on("SIGINT", exit);
  process.on("SIGTERM", exit);
  setInterval(() => {}, 60_000);
} else {
  const vcl = await readFile(new URL("./default.vcl", import.meta.url), "utf8");
  const varnish = await resolveVarnish({ vcl: vclWithBackend(vcl, "127.0.0.1", Number(origin.port)), port, defaultTtlSeconds: 0, params: { default_grace: "0s" } });
  console.log(`Varnish on ${varnish.url}: ${varnish.backend}`);
  const stop = () => void varnish.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  setInterval(() => {}, 60_000);
}
