import express, { type NextFunction, type Request, type Response } from "express";
import type { Config } from "./config.ts";
import { makeKeys } from "./keys.ts";
import { startQueues } from "./queues.ts";
import { connect, connectForQueues } from "./redis.ts";
import { createStore } from "./store.ts";

const userPattern = /^[a-z0-9_]{1,40}$/;
const skuPattern = /^[a-z0-9]{1,20}(-[a-z0-9]{1,20})?$/;
const sidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const maxProducts = 500;

class BadRequest extends Error {
  status = 400;
}
class Unavailable extends Error {
  status = 503;
}

const check = (ok: boolean, message: string) => {
  if (!ok) throw new BadRequest(message);
};
const isWhole = (value: unknown, min: number, max: number): value is number => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

export interface RunningApp {
  app: express.Express;
  close(): Promise<void>;
}

/** The shop's API. Provided: the lab's work is in redis.ts, keys.ts and store.ts. */
export function createApp(config: Config): RunningApp {
  const keys = makeKeys(config.namespace);
  const client = connect(config);
  const queueClient = connectForQueues(config);
  const store = createStore(config, client, keys);
  const queues = startQueues(keys, queueClient, config.runWorkers);

  // Redis work that takes too long, or fails, is a 503 with the reason, never a hung request or a crash.
  const guarded = async <T>(work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Unavailable(`storage did not answer within ${config.storeDeadlineMs} ms`)), config.storeDeadlineMs);
    });
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      if (error instanceof Unavailable) throw error;
      throw new Unavailable(`storage failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  };
  const handle = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => void fn(req, res).catch(next);
  const user = (req: Request) => {
    const value = String(req.params.user);
    check(userPattern.test(value), "user must be 1 to 40 characters of a-z, 0-9 and _");
    return value;
  };

  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "64kb" }));
  app.get("/health", (_req, res) => void res.json({ ok: true }));

  app.post("/api/sessions", handle(async (req, res) => {
    const name = req.body?.user;
    check(typeof name === "string" && userPattern.test(name), "body must be {\"user\": \"<1 to 40 of a-z, 0-9, _>\"}");
    const sid = await guarded(store.createSession(name));
    res.status(201).json({ sid });
  }));

  app.get("/api/sessions/:sid", handle(async (req, res) => {
    const sid = String(req.params.sid);
    check(sidPattern.test(sid), "a session id is a lower-case UUID");
    const session = await guarded(store.getSession(sid));
    if (!session) return void res.status(404).json({ error: "no such session (it may have expired)" });
    res.json(session);
  }));

  app.post("/api/products", handle(async (req, res) => {
    const products = req.body?.products;
    check(Array.isArray(products) && products.length >= 1 && products.length <= maxProducts, `body must be {"products": [...]} with 1 to ${maxProducts} items`);
    for (const p of products as unknown[]) {
      const item = p as { sku?: unknown; priceCents?: unknown };
      check(typeof item?.sku === "string" && skuPattern.test(item.sku), `each product needs a sku like "mug-red" (got ${JSON.stringify(item?.sku)})`);
      check(isWhole(item.priceCents, 0, 100_000_000), `priceCents must be a whole number from 0 (got ${JSON.stringify(item.priceCents)})`);
    }
    await guarded(store.putProducts(products as { sku: string; priceCents: number }[]));
    res.status(204).end();
  }));

  app.post("/api/carts/:user/items", handle(async (req, res) => {
    const who = user(req);
    const { sku, qty } = (req.body ?? {}) as { sku?: unknown; qty?: unknown };
    check(typeof sku === "string" && skuPattern.test(sku), "sku must look like \"mug-red\"");
    check(isWhole(qty, 1, 1000), "qty must be a whole number from 1 to 1000");
    if (!(await guarded(store.allowCartWrite(who)))) {
      res.set("Retry-After", "60");
      return void res.status(429).json({ error: "too many cart writes; try again later" });
    }
    await guarded(store.addToCart(who, sku as string, qty as number));
    res.json({ ok: true });
  }));

  app.get("/api/carts/:user", handle(async (req, res) => {
    const who = user(req);
    const lines = await guarded(store.readCart(who));
    const totalCents = lines.reduce((sum, line) => sum + (line.priceCents ?? 0) * line.qty, 0);
    res.json({ user: who, lines, totalCents });
  }));

  app.post("/api/carts/:user/checkout", handle(async (req, res) => {
    const who = user(req);
    const lines = await guarded(store.readCart(who));
    if (lines.length === 0) return void res.status(409).json({ error: "the cart is empty" });
    const totalCents = lines.reduce((sum, line) => sum + (line.priceCents ?? 0) * line.qty, 0);
    const job = await guarded(queues.orders.add("order", { user: who, lines, totalCents }, { removeOnComplete: 100, removeOnFail: 100 }));
    await guarded(store.clearCart(who));
    res.status(202).json({ orderId: job.id });
  }));

  app.get("/api/orders/:id", handle(async (req, res) => {
    const id = String(req.params.id);
    check(/^\d{1,12}$/.test(id), "an order id is a number");
    const state = await guarded(queues.orders.getJobState(id));
    if (state === "unknown") return void res.status(404).json({ error: "no such order" });
    res.json({ orderId: id, state });
  }));

  app.use((_req, res) => void res.status(404).json({ error: "no such route" }));
  app.use((error: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    // express.json() marks malformed bodies with status 400.
    const status = error.status === 400 || error.status === 413 || error.status === 503 ? error.status : 500;
    if (status >= 500) console.error(`request failed: ${error.message}`);
    res.status(status).json({ error: status === 500 ? "internal error" : error.message });
  });

  return {
    app,
    async close() {
      await queues.close();
      await Promise.allSettled([client.quit(), queueClient.quit()]);
    },
  };
}
