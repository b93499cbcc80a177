// Builds the Express app. Start-up work (prepareMessages) finishes before the app is returned,
// so a server never accepts requests before its indexes exist.
import express, { type Express } from "express";
import type { Db } from "mongodb";
import { errorHandler, notFound } from "./errors.ts";
import { listMessages, prepareMessages } from "./messages.ts";
import { messagesCollection } from "./model.ts";

export interface AppDeps {
  db: Db;
  /** Signs page cursors; every instance behind the same load balancer needs the same one. */
  cursorSecret: string;
}

export async function createApp(deps: AppDeps): Promise<Express> {
  const messages = messagesCollection(deps.db);
  await prepareMessages(messages);

  const app = express();
  app.disable("x-powered-by");
  // The "extended" parser (Express 4's default) turns ?after[]=x into an array and ?after[$gt]=x
  // into an object. Many production apps run with it, so handlers must not assume strings.
  app.set("query parser", "extended");
  app.get("/messages", listMessages({ messages, cursorSecret: deps.cursorSecret }));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
