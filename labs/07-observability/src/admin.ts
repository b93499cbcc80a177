import { Router } from "express";

/**
 * An operator's corner of the API, mounted under /admin by app.ts, with a router of its own
 * mounted inside it (/admin/audit). Real apps are built like this: routers per area, mounted
 * under prefixes. The routes are the business part of the app, not the lesson.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Audit entries from this id on live in an archive that is down. */
export const ARCHIVED_FROM = 9000;

export function adminRouter(): Router {
  const router = Router();

  router.get("/stats", (_req, res) => {
    res.json({ uptimeSeconds: Math.round(process.uptime()) });
  });

  // A planned outage: answered on purpose with 503, no exception involved.
  router.get("/maintenance", (_req, res) => {
    res.status(503).json({ error: "the admin area is in maintenance" });
  });

  const audit = Router();
  audit.get("/entries/:entryId", async (req, res) => {
    if (!/^\d{1,9}$/.test(req.params.entryId)) {
      res.status(400).json({ error: "entryId must be a positive whole number" });
      return;
    }
    const id = Number(req.params.entryId);
    await sleep(1);
    // A failing dependency behind a parameterised route: the rejection reaches the app's error handler.
    if (id >= ARCHIVED_FROM) throw new Error(`audit archive unreachable (entry ${id})`);
    res.json({ id, action: "login", at: new Date(1_700_000_000_000 + id * 1000).toISOString() });
  });
  router.use("/audit", audit);

  return router;
}
