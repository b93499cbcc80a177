import express, { type Express } from "express";
import type { Logger } from "pino";
import { handleErrors } from "./http-errors.ts";
import type { WelcomeQueue } from "./queue.ts";
import { parseNewUser } from "./user-input.ts";
import type { UserStore } from "./users.ts";

export interface AppDeps {
  users: UserStore;
  /** The welcome-email queue; the worker (src/worker.ts, another process) sends the emails. */
  queue: WelcomeQueue;
  log: Logger;
}

/** POST /users signs a user up and queues the welcome email; GET /users/:id reads one back. */
export function createApp({ users, queue, log }: AppDeps): Express {
  const app = express();
  app.use(express.json({ limit: "10kb" }));

  app.post("/users", async (req, res) => {
    const input = parseNewUser(req.body);
    if (!input.ok) {
      res.status(400).json({ error: input.error });
      return;
    }
    const user = await users.create(input.user);
    await queue.add("welcome", { userId: user.id, email: user.email, name: user.name });
    log.info({ userId: user.id }, "user created");
    res.status(202).json(user);
  });

  app.get("/users/:id", async (req, res) => {
    if (!/^[0-9a-f]{24}$/.test(req.params.id)) {
      res.status(400).json({ error: "id must be 24 hexadecimal digits" });
      return;
    }
    const user = await users.get(req.params.id);
    if (!user) {
      res.status(404).json({ error: "no such user" });
      return;
    }
    res.json(user);
  });

  app.use(handleErrors(log));
  return app;
}
