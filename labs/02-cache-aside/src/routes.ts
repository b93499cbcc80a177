import { Router } from "express";
import type { UserService } from "./users.ts";
import { parseUserId, parseUserPatch } from "./validation.ts";

export function userRoutes(users: UserService): Router {
  const router = Router();

  router.get("/users/:id", async (req, res) => {
    const id = parseUserId(req.params.id);
    const user = await users.get(id);
    if (!user) return void res.status(404).json({ error: `user ${id} not found` });
    // TODO(5): say how clients may cache this response. It is one person's data, so no
    // shared cache (CDN, proxy) may keep it, and a browser may reuse it only briefly.
    // See "Your task" step 5 in the README for the header values the tests accept.
    res.json(user);
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
