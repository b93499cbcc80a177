// The catalog origin. Varnish sits in front of it as the CDN: every header this file sets on a
// response tells Varnish (and every browser and proxy on the way) what it may keep, for whom,
// and for how long.
import express from "express";
import { Catalog, pickLanguage, sessions } from "./catalog.ts";
import type { Config } from "./config.ts";
import { invalidate } from "./invalidate.ts";
import { countOriginRequests, originStats } from "./origin-stats.ts";

/**
 * For data that is the same for every visitor: shared caches (s-maxage) keep it for the TTL,
 * browsers revalidate every time (max-age=0) because a purge cannot reach them, and a cache may
 * serve it stale while it refetches, or while the origin fails.
 */
function sharedCaching(config: Config): string {
  return [
    "public",
    "max-age=0",
    `s-maxage=${config.sharedTtlSeconds}`,
    `stale-while-revalidate=${config.staleWhileRevalidateSeconds}`,
    `stale-if-error=${config.staleIfErrorSeconds}`,
  ].join(", ");
}

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
    // The listing changes whenever any product does: its versions identify it.
    res.set("Cache-Control", sharedCaching(config));
    res.set("ETag", `"list-${catalog.list().map((p) => `${p.id}.${p.version}`).join("-")}"`);
    // res.json answers 304 by itself when If-None-Match matches the ETag set above (req.fresh).
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
    res.set("Cache-Control", sharedCaching(config));
    // One ETag per product version and language: the two languages are different bodies.
    res.set("ETag", `"p${product.id}-v${product.version}-${language}"`);
    // The body depends on Accept-Language, and on nothing else the client sends.
    res.set("Vary", "Accept-Language");
    res.json({ id: product.id, name: product.name[language], language, priceCents: product.priceCents, version: product.version });
  });

  // Personal: the signed-in user's own data.
  app.get("/me", (req, res) => {
    const user = sessions.get(sessionId(req.get("cookie")) ?? "");
    // Personal data: no shared cache may store it, whatever the request looked like.
    res.set("Cache-Control", "private, no-store");
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
    // Purge before answering, so that a client that saw the 200 never reads the old price. The
    // listing shows prices too. A PURGE drops every Vary variant (both languages) of a URL.
    await invalidate(config, [`/products/${id}`, "/products"]);
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
