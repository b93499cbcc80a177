// The catalog origin. Varnish sits in front of it as the CDN: every header this file sets on a
// response tells Varnish (and every browser and proxy on the way) what it may keep, for whom,
// and for how long.
import express from "express";
import { Catalog, pickLanguage, sessions } from "./catalog.ts";
import type { Config } from "./config.ts";
import { invalidate } from "./invalidate.ts";
import { countOriginRequests, originStats } from "./origin-stats.ts";

/** A product id from the URL: a whole number from 1, or undefined. */
function parseId(raw: string): number | undefined {
  return /^[1-9]\d{0,8}$/.test(raw) ? Number(raw) : undefined;
}

/** The session cookie's value, if the request has one. */
function sessionId(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === "sid") return value.join("=");
  }
  return undefined;
}

export function createApp(config: Config, catalog = new Catalog()): express.Express {
  const app = express();
  // Express would invent a weak ETag from every body on its own. Here you choose the validator
  // yourself (step 2), so the automatic one is off.
  app.set("etag", false);
  app.use(countOriginRequests);

  app.get("/health", (_req, res) => {
    res.set("Cache-Control", "no-store").json({ ok: true });
  });
  app.get("/_origin/stats", originStats);

  // Public: the same for every visitor.
  app.get("/products", (_req, res) => {
    const products = catalog.list().map(({ id, priceCents }) => ({ id, priceCents }));
    // TODO(1): let shared caches keep this, and only them.
    // TODO(2): a validator, so that a client holding this version gets a 304.
    res.json({ products });
  });

  // Public, in the visitor's language.
  app.get("/products/:id", (req, res) => {
    const id = parseId(req.params.id);
    if (id === undefined) {
      res.status(400).json({ error: "product id must be a whole number from 1" });
      return;
    }
    const product = catalog.get(id);
    if (!product) {
      res.status(404).json({ error: `no product ${id}` });
      return;
    }
    const language = pickLanguage(req.get("accept-language"));
    // TODO(1): let shared caches keep this, and only them.
    // TODO(2): a validator, so that a client holding this version gets a 304.
    // TODO(3): tell caches what this response depends on.
    res.json({ id: product.id, name: product.name[language], language, priceCents: product.priceCents, version: product.version });
  });

  // Personal: the signed-in user's own data.
  app.get("/me", (req, res) => {
    const user = sessions.get(sessionId(req.get("cookie")) ?? "");
    // TODO(1): no cache but the user's own may keep this.
    if (!user) {
      res.status(401).json({ error: "sign in first (cookie sid)" });
      return;
    }
    res.json({ user });
  });

  app.put("/products/:id", express.json(), async (req, res) => {
    const id = parseId(req.params.id);
    const priceCents = (req.body as { priceCents?: unknown } | undefined)?.priceCents;
    if (id === undefined || typeof priceCents !== "number" || !Number.isInteger(priceCents) || priceCents < 1 || priceCents > 100_000_000) {
      res.status(400).json({ error: "send a product id from 1 and a JSON body { priceCents } with a whole number from 1 to 100000000" });
      return;
    }
    const product = catalog.setPrice(id, priceCents);
    if (!product) {
      res.status(404).json({ error: `no product ${id}` });
      return;
    }
    // TODO(4): make the caches forget what they hold about this product before you answer.
    await invalidate(config, []);
    res.set("Cache-Control", "no-store").json({ id: product.id, priceCents: product.priceCents, version: product.version });
  });

  // A malformed JSON body is the client's mistake: 400, not 500.
  app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      res.status(status).json({ error: "the request body is not valid JSON" });
      return;
    }
    console.error(error);
    res.status(500).json({ error: "internal error" });
  });

  return app;
}
