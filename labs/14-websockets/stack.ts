// What `npm run lab -- start 14` runs as "the app": two instances of src/server.ts and a private HAProxy
// (HAPROXY_BIN, set by the kit) in front of them with this folder's haproxy.cfg, its frontend on PORT.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { getFreePort, spawnTied, startPrivateHaproxy, type ResolvedHaproxy } from "#kit/services/index.ts";

const port = Number(process.env.PORT ?? 3000);
const here = new URL(".", import.meta.url);
const children: ChildProcess[] = [];
let haproxy: ResolvedHaproxy | undefined;

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await haproxy?.stop();
  await Promise.all(children.map(stopChild));
  process.exit(0);
};
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());

if (!process.env.HAPROXY_BIN) {
  console.error("lab 14 runs its own HAProxy with labs/14-websockets/haproxy.cfg: install haproxy (apt-get install haproxy) or set HAPROXY_BIN");
  process.exit(1);
}
const ports = [await getFreePort(), await getFreePort()];
ports.forEach((appPort, i) => {
  // Whatever ends this process, even SIGKILL, the instances end with it (spawnTied).
  children.push(
    spawnTied(process.execPath, [new URL("src/server.ts", here).pathname], {
      env: { ...process.env, PORT: String(appPort), HOST: "127.0.0.1", INSTANCE: `app${i + 1}`, ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS ?? `http://localhost:${port},https://shop.example` },
      stdio: ["ignore", "inherit", "inherit"],
    }),
  );
});
// HAProxy starts once both instances listen: before that it would answer 503 for them.
const listening = (appPort: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(appPort, "127.0.0.1", () => resolve(socket.end() && true));
    socket.on("error", () => resolve(false));
  });
for (const appPort of ports) {
  for (let i = 0; i < 600 && !(await listening(appPort)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}
haproxy = await startPrivateHaproxy(process.env.HAPROXY_BIN, readFileSync(new URL("haproxy.cfg", here), "utf8"), {
  LB_BIND: `127.0.0.1:${port}`,
  CLIENT_TIMEOUT: "30s",
  SERVER_TIMEOUT: "30s",
  ...Object.fromEntries(ports.map((appPort, i) => [`APP${i + 1}_ADDR`, `127.0.0.1:${appPort}`])),
});
console.log(`HAProxy on ${haproxy.url} balances app1 and app2 on ports ${ports.join(", ")}; stats on ${haproxy.statsUrl}`);
