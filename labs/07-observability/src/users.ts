import { Router } from "express";

/** A small in-memory user directory: the business part of the app, not the lesson. */
export interface User {
  id: number;
  name: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function usersRouter(): Router {
  const users = new Map<number, User>([
    [1, { id: 1, name: "Ada" }],
    [2, { id: 2, name: "Grace" }],
    [3, { id: 3, name: "Linus" }],
  ]);
  let nextId = 4;
  const router = Router();

  router.get("/users", (_req, res) => {
    res.json({ users: [...users.values()] });
  });

  router.get("/users/:id", (req, res) => {
    if (!/^\d{1,9}$/.test(req.params.id)) {
      res.status(400).json({ error: "id must be a positive whole number" });
      return;
    }
    const user = users.get(Number(req.params.id));
    if (!user) res.status(404).json({ error: "no such user" });
    else res.json(user);
  });

  router.post("/users", (req, res) => {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== "string" || name.trim() === "" || name.length > 100) {
      res.status(400).json({ error: 'body must be JSON like {"name": "Ada"} (1 to 100 characters)' });
      return;
    }
    const user = { id: nextId++, name: name.trim() };
    users.set(user.id, user);
    res.status(201).json(user);
  });

  // A report that takes a while to build: the slow end of the latency distribution.
  router.get("/reports/:name", async (req, res) => {
    await sleep(30);
    res.json({ report: req.params.name, rows: users.size });
  });

  // A dependency that is down: every call fails with a 500, like a database that refuses.
  router.get("/flaky", () => {
    throw new Error("the inventory service is unreachable");
  });

  return router;
}
