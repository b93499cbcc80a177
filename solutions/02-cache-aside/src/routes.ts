import { Router } from "express";
import type { UserService } from "./users.ts";
import { parseUserId, parseUserPatch } from "./validation.ts";

// One person's data: "private" keeps it out of shared caches (CDNs, proxies). A browser may
// reuse it for a few seconds, which absorbs bursts (one page asking for the same user several
// times) and bounds staleness like the in-process tier does. After a PATCH to the same URL a
// browser drops its stored copy itself (RFC 9111, section 4.4), so the writer reads its write.
const USER_CACHE_CONTROL = "private, max-age=5";

export function userRoutes(users: UserService): Router {
  const router = Router();

  router.get("/users/:id", async (req, res) => {
    const id = parseUserId(req.params.id);
    const user = await users.get(id);
    // A miss is not cacheable: the user may be created a moment later.
    if (!user) return void res.status(404).set("Cache-Control", "no-store").json({ error: `user ${id} not found` });
    res.set("Cache-Control", USER_CACHE_CONTROL).json(user);
  });

  router.patch("/users/:id", async (req, res) => {
    const id = parseUserId(req.params.id);
    const patch = parseUserPatch(req.body);
    const user = await users.update(id, patch);
    if (!user) return void res.status(404).json({ error: `user ${id} not found` });
    res.json(user);
  });

  return router;
}
