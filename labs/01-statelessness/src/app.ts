import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { readSessionId, sessionCookie, type Store } from "./store.ts";

const loginBody = z.object({ username: z.string().trim().min(1).max(64).regex(/^[\w.-]+$/, "letters, digits, _ . - only") });
const MAX_CART_LINES = 50;
const MAX_QTY_PER_LINE = 99;
const cartItem = z.object({ sku: z.string().trim().min(1).max(32).regex(/^[\w-]+$/), qty: z.number().int().min(1).max(99) });

/**
 * The shop API. It only talks to the Store, so where sessions and carts live is decided
 * entirely in store.ts — which is where this lab's work happens.
 */
export function createApp(store: Store, instance = `pid-${process.pid}`) {
  const app = express();
  app.use(express.json({ limit: "10kb" }));
  app.use((_req, res, next) => {
    res.setHeader("X-Instance", instance);
    next();
  });

  app.get("/health", (_req, res) => {
    res.json({ ok: true, instance });
  });

  app.post("/login", async (req, res) => {
    const body = loginBody.safeParse(req.body);
    if (!body.success) return void res.status(400).json({ error: `invalid login: ${body.error.issues[0]?.message}` });
    const session = await store.createSession(body.data.username);
    res.cookie(sessionCookie.name, session.id, sessionCookie.options);
    res.status(201).json({ user: session.user });
  });

  /** Resolve the session from the cookie, or answer 401. */
  const requireSession = async (req: Request, res: Response, next: NextFunction) => {
    const id = readSessionId(req.headers.cookie);
    const session = id ? await store.getSession(id) : undefined;
    if (!session) return void res.status(401).json({ error: "not logged in (no valid session cookie)" });
    res.locals.session = session;
    next();
  };

  /** Sliding expiry: every authenticated answer hands the browser the cookie again, with a fresh lifetime. */
  const renewCookie = (_req: Request, res: Response, next: NextFunction) => {
    res.cookie(sessionCookie.name, res.locals.session.id, sessionCookie.options);
    next();
  };

  app.get("/me", requireSession, renewCookie, (_req, res) => {
    const { user, createdAt } = res.locals.session;
    res.json({ user, sessionCreatedAt: createdAt, instance });
  });

  app.post("/logout", requireSession, async (_req, res) => {
    await store.destroySession(res.locals.session.id);
    res.clearCookie(sessionCookie.name, { path: sessionCookie.options.path });
    res.status(204).end();
  });

  app.post("/cart/items", requireSession, renewCookie, async (req, res) => {
    const item = cartItem.safeParse(req.body);
    if (!item.success) return void res.status(400).json({ error: `invalid item: ${item.error.issues[0]?.path.join(".")} ${item.error.issues[0]?.message}` });
    // The cart is stored on our side but filled by the client: bound it, or one client can grow it
    // without limit. (Checked before the add, so two racing adds can pass it together; the bound is
    // about memory, not about an exact count.)
    const before = await store.getCart(res.locals.session.user);
    if (!(item.data.sku in before) && Object.keys(before).length >= MAX_CART_LINES) {
      return void res.status(409).json({ error: `a cart holds at most ${MAX_CART_LINES} different items` });
    }
    if ((before[item.data.sku] ?? 0) + item.data.qty > MAX_QTY_PER_LINE) {
      return void res.status(409).json({ error: `at most ${MAX_QTY_PER_LINE} of one item per cart` });
    }
    await store.addToCart(res.locals.session.user, item.data.sku, item.data.qty);
    res.json({ cart: await store.getCart(res.locals.session.user) });
  });

  app.get("/cart", requireSession, renewCookie, async (_req, res) => {
    res.json({ cart: await store.getCart(res.locals.session.user) });
  });

  // Malformed JSON and other client errors get a JSON 4xx; anything else is a JSON 500.
  app.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status && error.status < 500 ? error.status : 500;
    res.status(status).json({ error: status === 500 ? "internal error" : error.message });
  });
  return app;
}
