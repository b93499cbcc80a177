// What `npm run lab -- start 09` runs as "the app": three instances of src/server.ts and HAProxy
// in front of them with this folder's haproxy.cfg, HAProxy's frontend on PORT. With a haproxy
// binary (HAPROXY_BIN, set by the kit) it starts a private HAProxy; with compose's HAProxy
// (HAPROXY_URL) it starts the instances on 3101-3103, where compose's config looks for them, and
// forwards PORT to it.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { getFreePort, spawnTied, startPrivateHaproxy, type ResolvedHaproxy } from "#kit/services/index.ts";

const port = Number(process.env.PORT ?? 3000);
const here = new URL(".", import.meta.url);
const useCompose = !process.env.HAPROXY_BIN && Boolean(process.env.HAPROXY_URL);
const children: ChildProcess[] = [];
let haproxy: ResolvedHaproxy | undefined;

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await haproxy?.stop();
  // Exit only once every instance has: whoever stopped us may check right away that nothing is left.
  await Promise.all(children.map(stopChild));
  process.exit(0);
};
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
// Whatever ends this process, even SIGKILL, the instances end with it (spawnTied).

const ports = useCompose ? [3101, 3102, 3103] : [await getFreePort(), await getFreePort(), await getFreePort()];
ports.forEach((appPort, i) => {
  const child = spawnTied(process.execPath, [new URL("src/server.ts", here).pathname], {
    // Compose's HAProxy reaches the host through Docker's bridge, not its loopback, so in that case
    // the instances listen on every interface; otherwise on loopback only.
    env: { ...process.env, PORT: String(appPort), HOST: useCompose ? "0.0.0.0" : "127.0.0.1", INSTANCE: `app${i + 1}` },
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(child);
});

if (useCompose) {
  const target = new URL(process.env.HAPROXY_URL!);
  net.createServer((socket) => socket.pipe(net.connect(Number(target.port || 80), target.hostname)).pipe(socket)).listen(port, "127.0.0.1");
  console.log(`compose's HAProxy (${target.origin}) balances app1-app3 on ports 3101-3103; stats on ${process.env.HAPROXY_STATS_URL ?? "http://127.0.0.1:8404/stats"}`);
} else {
  haproxy = await startPrivateHaproxy(process.env.HAPROXY_BIN!, readFileSync(new URL("haproxy.cfg", here), "utf8"), {
    LB_BIND: `127.0.0.1:${port}`,
    ...Object.fromEntries(ports.map((appPort, i) => [`APP${i + 1}_ADDR`, `127.0.0.1:${appPort}`])),
  });
  console.log(`HAProxy on ${haproxy.url} balances app1-app3 on ports ${ports.join(", ")}; stats on ${haproxy.statsUrl}`);
}
