// Two instances of src/server.ts (separate processes) and HAProxy with this lab's haproxy.cfg in front.
import { readFileSync } from "node:fs";
import { after } from "node:test";
import { readHaproxyStats, resolveHaproxy, type ResolvedHaproxy } from "#kit/services/index.ts";
import { startInstance, type Instance } from "#kit/testing/index.ts";
import { ORIGIN, services, until } from "./helpers.ts";

export const configFile = new URL("../haproxy.cfg", import.meta.url);

export interface Stack {
  lb: ResolvedHaproxy;
  /** http://127.0.0.1:<port> of HAProxy's frontend. */
  url: string;
  wsUrl: string;
  apps: Instance[];
  /** HAProxy's status of app1 and app2 ("UP", "DOWN", "MAINT", "no check", ...). */
  status(): Promise<Record<string, string>>;
}

const stacks: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.allSettled(stacks.map((stop) => stop()));
});

export async function startStack(options: { drainWindowMs: number; clientTimeout?: string; env?: Record<string, string> }): Promise<Stack> {
  const { env } = await services();
  const apps = await Promise.all(
    [1, 2].map((i) =>
      startInstance({
        entry: new URL("../src/server.ts", import.meta.url),
        env: { ...env, INSTANCE: `app${i}`, ALLOWED_ORIGINS: ORIGIN, DRAIN_WINDOW_MS: String(options.drainWindowMs), ...options.env },
        name: `app${i}`,
        startTimeoutMs: 60_000,
      }),
    ),
  );
  let lb: ResolvedHaproxy;
  try {
    lb = await resolveHaproxy({
      config: readFileSync(configFile, "utf8"),
      vars: { APP1_ADDR: `127.0.0.1:${apps[0]!.port}`, APP2_ADDR: `127.0.0.1:${apps[1]!.port}`, CLIENT_TIMEOUT: options.clientTimeout ?? "30s", SERVER_TIMEOUT: options.clientTimeout ?? "30s" },
    });
  } catch (error) {
    await Promise.all(apps.map((app) => app.kill()));
    throw error;
  }
  stacks.push(async () => {
    await lb.stop();
    await Promise.all(apps.map((app) => app.kill()));
  });
  const status = async () => {
    const rows = await readHaproxyStats(lb.statsUrl!);
    return Object.fromEntries(rows.filter((row) => row.pxname === "app" && /^app\d$/.test(row.svname ?? "")).map((row) => [row.svname!, row.status ?? ""]));
  };
  let seen: Record<string, string> = {};
  await until("HAProxy to report app1 and app2 UP", async () => {
    seen = await status();
    return /^(UP|no check)$/.test(seen.app1 ?? "") && /^(UP|no check)$/.test(seen.app2 ?? "");
  }, 30_000).catch((error: Error) => {
    throw new Error(`${error.message}; HAProxy says ${JSON.stringify(seen)}`);
  });
  return { lb, url: lb.url, wsUrl: `${lb.url.replace(/^http/, "ws")}/feed`, apps, status };
}
