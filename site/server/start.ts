/**
 * `npm start`: build the site if dist/ is missing or older than its sources, then serve it on
 * http://localhost:4321 (PORT overrides) with the learner's lab progress at /api/progress.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildReason } from "./freshness.ts";
import { createSiteServer, listen } from "./serve.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const distDir = path.join(root, "site", "dist");

export function buildSite(): Promise<void> {
  const astro = path.join(root, "node_modules", "astro", "bin", "astro.mjs");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [astro, "build", "--root", "site", "--silent"], { cwd: root, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`The site build failed (exit code ${code}); the messages above say which file to fix.`)),
    );
  });
}

async function main() {
  const reason = await buildReason(root, distDir);
  if (reason) {
    console.log(`Building the site (${reason})…`);
    await buildSite().catch((error: Error) => {
      // A half-written lab must not lock the learner out of the lessons: keep serving the last good build.
      if (reason === "no build yet") throw error;
      console.warn(`${error.message}\nServing the previous build; fix the problem above and restart to see your changes.`);
    });
  }
  const port = Number(process.env.PORT ?? 4321);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${process.env.PORT}".`);
  const host = process.env.HOST ?? "127.0.0.1";
  const server = createSiteServer({ distDir, labsRoot: root, progressRoot: root });
  const bound = await listen(server, port, host).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE") {
      throw new Error(`Port ${port} is already in use (is another \`npm start\` running?). Stop it, or run: PORT=${port + 1} npm start`);
    }
    throw error;
  });
  console.log(`Scalable APIs Workbook: http://localhost:${bound}/`);
  console.log("Lab pages show your progress from .workbook/progress.json. Press Ctrl+C to stop.");
  const stop = () => server.close(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (import.meta.main) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
