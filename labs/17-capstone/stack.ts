// What `npm run lab -- start 17` runs as "the app": shop-stack.ts's startShop, the same harness the
// tests use: the budgets (an operations-per-second governor in front of MongoDB, an email provider
// with a calls-per-second limit), the seed, one worker, deploy.json's number of instances of
// src/server.ts (the budget is 3) and a private HAProxy with this folder's haproxy.cfg on PORT.
// The kit sets REDIS_URL, MONGO_URL, WORKBOOK_NS and HAPROXY_BIN; the budgets read
// DB_OPS_PER_SECOND (default 300) and EMAIL_CALLS_PER_SECOND (default 5).
import http from "node:http";
import { getFreePort } from "#kit/services/index.ts";
import { startShop } from "./shop-stack.ts";

const port = Number(process.env.PORT ?? 3000);
const whole = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got "${process.env[name]}"`);
  return value;
};
if (!process.env.MONGO_URL || !process.env.REDIS_URL || !process.env.WORKBOOK_NS) throw new Error("stack.ts needs MONGO_URL, REDIS_URL and WORKBOOK_NS: run it with `npm run lab -- start 17`");

const shop = await startShop({
  env: process.env,
  dbOpsPerSecond: whole("DB_OPS_PER_SECOND", 300),
  emailCallsPerSecond: whole("EMAIL_CALLS_PER_SECOND", 15),
  ...(process.env.EMAIL_URL ? { emailUrl: process.env.EMAIL_URL } : {}),
  port,
  stdio: "inherit",
});

// What the budgets counted, as JSON: GET /budgets on its own port.
const budgets = http.createServer(async (_req, res) => {
  const emailStats = shop.email ? shop.email.stats() : ((await (await fetch(new URL("/stats", shop.emailUrl))).json()) as Record<string, unknown>);
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ db: { opsPerSecond: shop.dbOpsPerSecond, ...shop.governor.stats().total }, email: { callsPerSecond: shop.emailCallsPerSecond, ...emailStats } }, null, 2));
});
const budgetsPort = await getFreePort();
budgets.listen(budgetsPort, "127.0.0.1");

console.log(`HAProxy on ${shop.url} balances ${shop.instances.map((p) => `${p.name} (port ${p.port})`).join(", ")} (deploy.json); stats on ${shop.statsUrl}`);
console.log(`budgets: ${shop.dbOpsPerSecond} DB operations/s (governor ${shop.governor.hosts.join(",")}), ${shop.emailCallsPerSecond} email calls/s (${shop.emailUrl}); counts on http://127.0.0.1:${budgetsPort}/budgets`);
console.log(`ADMIN_TOKEN=${shop.adminToken}`);

// An instance that exits (killed by hand to watch a failover or a drain, or crashed) is reported and
// HAProxy routes around it; once no instance is left, the stack stops and `lab start` says so.
const watch = setInterval(() => {
  if (shop.instances.every((p) => !p.alive())) void stop(1);
}, 1000);

let stopping = false;
async function stop(exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(watch);
  budgets.close();
  const last = { db: shop.governor.stats().total, email: shop.email?.stats() };
  await Promise.all([...shop.instances, shop.worker].map((p) => p.kill("SIGTERM")));
  await shop.stop();
  console.log(`budgets at the end: ${JSON.stringify(last)}`);
  process.exit(exitCode);
}
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
