import express, { type Express } from "express";
import type { Queue } from "bullmq";
import type { RetrySettings } from "./config.ts";
import type { EmailClient } from "./email-client.ts";
import { handleErrors } from "./http-errors.ts";
import type { WelcomeEmailJob } from "./queue.ts";
import { parseNewUser } from "./user-input.ts";
import type { UserStore } from "./users.ts";
import { enqueueWelcomeEmail } from "./welcome-jobs.ts";

export interface AppDeps {
  users: UserStore;
  /** The slow, sometimes failing email provider. */
  email: EmailClient;
  /** The welcome-email queue the worker (src/worker.ts) takes jobs from. */
  queue: Queue<WelcomeEmailJob>;
  /** How welcome-email jobs are retried. */
  retry: RetrySettings;
}

export function createApp({ users, queue, retry }: AppDeps): Express {
  const app = express();
  app.use(express.json({ limit: "10kb" }));

  app.post("/users", async (req, res) => {
    const input = parseNewUser(req.body);
    if (!input.ok) {
      res.status(400).json({ error: input.error });
      return;
    }
    const user = await users.create(input.user);

    // The email is a side effect the client does not wait for: adding a job is one Redis round
    // trip, and the worker retries it when the provider is slow or down. We await the add (not the
    // send) so a 201 means the email is durably queued.
    await enqueueWelcomeEmail(queue, { userId: user.id, email: user.email, name: user.name }, retry);

    res.status(201).json(user);
  });

  app.use(handleErrors);
  return app;
}
