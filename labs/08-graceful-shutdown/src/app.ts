import express, { type NextFunction, type Request, type Response } from "express";
import type { Clients } from "./clients.ts";
import type { Lifecycle } from "./state.ts";

export interface AppDeps {
  clients: Clients;
  lifecycle: Lifecycle;
  namespace: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_MS = 30_000;

/** A whole number of milliseconds between 0 and 30 s, or undefined. */
function parseMs(raw: unknown): number | undefined {
  if (typeof raw === "string" && /^\d+$/.test(raw)) raw = Number(raw);
  return typeof raw === "number" && Number.isInteger(raw) && raw >= 0 && raw <= MAX_MS ? raw : undefined;
}

export function createApp({ clients, lifecycle, namespace }: AppDeps): express.Express {
  const app = express();
  app.use(express.json({ limit: "10kb" }));

  // Remember every response until it has finished, so shutdown can see what is still in flight.
  app.use((_req: Request, res: Response, next: NextFunction) => {
    lifecycle.inFlight.add(res);
    res.once("close", () => lifecycle.inFlight.delete(res));
    // A request that arrives on an old keep-alive socket while draining is served, but the
    // client is told not to send another one on this socket (see step 4 of the README).
    if (lifecycle.draining) res.setHeader("Connection", "close");
    next();
  });

  // Liveness: "this process is not wedged". It stays 200 while draining; failing it would get
  // the process killed before it has finished its work.
  app.get("/live", (_req, res) => {
    res.json({ status: "alive" });
  });

  // Readiness: "send me traffic". The load balancer's health check polls this.
  app.get("/ready", (_req, res) => {
    if (lifecycle.draining) res.status(503).json({ ready: false, reason: "draining" });
    else res.json({ ready: true });
  });

  // A slow request (a report, an upload...). It uses Redis and MongoDB at the end, so it only
  // succeeds if the clients are still open when it finishes.
  app.get("/slow", async (req, res) => {
    const ms = parseMs(req.query.ms ?? "0");
    if (ms === undefined) {
      res.status(400).json({ error: `ms must be a whole number from 0 to ${MAX_MS}` });
      return;
    }
    console.log(`slow request started (${ms} ms)`);
    await sleep(ms);
    const served = await clients.redis.incr(`${namespace}:slow:served`);
    await clients.db.collection("requests").insertOne({ ms, at: new Date() });
    res.json({ ok: true, ms, served });
  });

  // A download streamed in pieces: its status line and headers go out with the first piece, long
  // before the last one. When shutdown starts in the middle, the headers are already sent.
  app.get("/download", async (req, res) => {
    const ms = parseMs(req.query.ms ?? "0");
    if (ms === undefined) {
      res.status(400).json({ error: `ms must be a whole number from 0 to ${MAX_MS}` });
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.write("part 1 of 4\n");
    console.log(`download started (${ms} ms)`);
    for (let part = 2; part <= 4; part++) {
      await sleep(ms / 3);
      res.write(`part ${part} of 4\n`);
    }
    res.end();
  });

  // A handler that never finishes, like a call to a dependency that never answers.
  // Only the shutdown deadline can end a process that is waiting on it.
  app.get("/hang", async () => {
    console.log("hang request started");
    await new Promise(() => {});
  });

  // Queue a background report; the in-process BullMQ worker builds it.
  app.post("/reports", async (req, res) => {
    const ms = parseMs((req.body as { ms?: unknown } | undefined)?.ms);
    if (ms === undefined) {
      res.status(400).json({ error: `body must be JSON like {"ms": 1000}, with ms from 0 to ${MAX_MS}` });
      return;
    }
    const job = await clients.queue.add("report", { ms });
    res.status(202).json({ jobId: job.id });
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "not found" });
  });

  // Malformed JSON bodies arrive here as 400s; anything else is a 500 with a JSON body.
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) console.error(`request failed: ${error.message}`);
    res.status(status).json({ error: status === 500 ? "internal error" : error.message });
  });

  return app;
}
