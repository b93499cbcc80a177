// `npm test`: run every part of the project's checks, even when an early one fails, then say
// which parts failed. A failing site test must not hide the state of the lab contract.
// First, within seconds, it checks that the servers and the browser the parts need are there (tests/preflight.ts).
import { spawnTied } from "../kit/lifecycle.ts";
import { describeMissing, preflight } from "./preflight.ts";

// Arguments override the list (the project's own test of this script uses that).
const parts = process.argv.length > 2 ? process.argv.slice(2) : ["typecheck", "test:kit", "test:project", "test:site", "lab -- check"];

// Resolves on "close" only, once npm has exited and its output streams have ended, so that a part's time
// and result are those of the whole part. A spawn error is followed by "close" too; it is kept to be reported.
function runScript(part: string): Promise<{ code: number; seconds: number; how: string }> {
  const started = performance.now();
  const [script, ...rest] = part.split(" ");
  return new Promise((resolve) => {
    let spawnError: Error | undefined;
    // Tied to this process: a run stopped with a signal, even SIGKILL, stops the part it was running
    // (npm passes SIGTERM on to the script, and the bootstrap to Node).
    const child = spawnTied("npm", ["run", "--silent", script!, ...rest], { stdio: "inherit", deathSignal: "SIGTERM" });
    child.on("error", (error) => {
      spawnError = error;
    });
    child.on("close", (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      if (spawnError) resolve({ code: 1, seconds, how: `could not run npm: ${spawnError.message}` });
      else if (signal) resolve({ code: 1, seconds, how: `npm was killed by ${signal}` });
      else resolve({ code: code ?? 1, seconds, how: `exit ${code}` });
    });
  });
}

const missing = await preflight(parts);
if (missing.length > 0) {
  console.log(describeMissing(missing).join("\n"));
  process.exitCode = 1;
} else {
  const results: { part: string; code: number; seconds: number; how: string }[] = [];
  for (const part of parts) {
    console.log(`\n==> npm run ${part}`);
    results.push({ part, ...(await runScript(part)) });
  }

  console.log("\nnpm test, by part:");
  for (const r of results) console.log(`  ${r.code === 0 ? "ok    " : "FAILED"}  npm run ${r.part}  (${r.seconds.toFixed(1)} s${r.code === 0 ? "" : `, ${r.how}`})`);
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length > 0) console.log(`Failed: ${failed.map((r) => `npm run ${r.part}`).join(", ")}. Each part's own output above says why.`);
  console.log(`parts: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}
