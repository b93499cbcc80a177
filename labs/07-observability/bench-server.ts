/**
 * The app under measurement, in its own process so its CPU time is its own (bench.ts drives it).
 * Env: APP_DIR (the lab folder to load src/app.ts from), METRICS ("on" or "off").
 * Talks to its parent over IPC: sends { port } once listening, answers "cpu" with process.cpuUsage().
 */
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AppOptions } from "./src/app.ts";

type CreateApp = (options?: AppOptions) => { listen(port: number, host: string): import("node:http").Server };

const appDir = process.env.APP_DIR;
if (!appDir || !process.send) throw new Error("bench-server.ts is started by bench.ts (needs APP_DIR and an IPC channel)");
const { createApp } = (await import(pathToFileURL(path.join(appDir, "src/app.ts")).href)) as { createApp: CreateApp };
console.log = () => {}; // the starter logs with console.log; every variant discards its log lines
const server = createApp({ metrics: process.env.METRICS !== "off", logStream: { write: () => {} } }).listen(0, "127.0.0.1");
server.once("listening", () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on("message", (message) => {
  if (message === "cpu") process.send!({ cpu: process.cpuUsage() });
});
process.on("disconnect", () => process.exit(0));
