import { Router } from "express";
import type { Redis } from "ioredis";
import type { Store, Product } from "./db.ts";
import { HttpError, productId, publicShortLived } from "./http.ts";
import { requireAdmin } from "./admin.ts";

export function publicProduct(p: Product) {
  return { id: p._id, name: p.name, priceCents: p.priceCents, stock: p.stock, category: p.category };
}
type PublicProduct = ReturnType<typeof publicProduct>;

function productPatch(body: unknown): Partial<Omit<Product, "_id" | "category">> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, "body must be a JSON object");
  const { priceCents, stock, name, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new HttpError(400, `unknown field(s): ${Object.keys(rest).join(", ")}`);
  const patch: Partial<Omit<Product, "_id" | "category">> = {};
  if (priceCents !== undefined) {
    if (!Number.isInteger(priceCents) || (priceCents as number) < 0 || (priceCents as number) > 10_000_000) throw new HttpError(400, "priceCents must be a whole number from 0 to 10000000");
    patch.priceCents = priceCents as number;
  }
  if (stock !== undefined) {
    if (!Number.isInteger(stock) || (stock as number) < 0 || (stock as number) > 1_000_000) throw new HttpError(400, "stock must be a whole number from 0 to 1000000");
    patch.stock = stock as number;
  }
  if (name !== undefined) {
    if (typeof name !== "string" || name.trim().length === 0 || name.length > 200) throw new HttpError(400, "name must be a non-empty string of at most 200 characters");
    patch.name = name.trim();
  }
  if (Object.keys(patch).length === 0) throw new HttpError(400, "give at least one of priceCents, stock, name");
  return patch;
}

// Store a product only if the cache holds nothing newer. Readers and writers both go through it, so
// a reader that loaded version 3 before a PATCH made version 4 cannot put 3 back after the PATCH has
// written 4: "no stale read after the PATCH returns", on every instance, without locks.
const SET_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, cached = pcall(cjson.decode, current)
  if ok and tonumber(cached.v) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`;

export interface CatalogCacheOptions {
  namespace: string;
  productTtlSeconds: number;
  listingTtlSeconds: number;
  /** Counts hits and misses for /metrics. */
  onLookup?: (cache: "product" | "listing", hit: boolean) => void;
}

/**
 * The catalog in Redis, shared by every instance: a handful of hot products take most reads, and each
 * read served from Redis is a DB operation the budget keeps for checkouts. One shared cache (not one
 * per process) is what lets a write on one instance be read at once on the others.
 */
export function catalogCache(redis: Redis, store: Store, options: CatalogCacheOptions) {
  const productKey = (id: number) => `${options.namespace}:product:${id}`;
  const listingKey = (category: string) => `${options.namespace}:listing:${category}`;
  if (!("shopSetIfNewer" in redis)) redis.defineCommand("shopSetIfNewer", { numberOfKeys: 1, lua: SET_IF_NEWER });
  const setIfNewer = (redis as unknown as { shopSetIfNewer: (key: string, value: string, version: number, ttlMs: number) => Promise<number> }).shopSetIfNewer.bind(redis);
  // A cache that is down is a cache miss, not an outage: every Redis call below swallows its error.
  const quietly = async <T>(work: Promise<T>): Promise<T | undefined> => work.catch((error: Error) => (console.error(`catalog cache: ${error.message}`), undefined));

  // When a hot product's key expires, the requests that miss together share one DB read per instance
  // (single flight) instead of each spending an operation on the same document.
  const loading = new Map<number, Promise<PublicProduct | null>>();
  const load = async (id: number): Promise<PublicProduct | null> => {
    const product = await store.products.findOne({ _id: id });
    if (!product) return null;
    await quietly(remember(product));
    return publicProduct(product);
  };
  const remember = async (product: Product): Promise<void> => {
    const value = JSON.stringify({ v: product.version ?? 0, p: publicProduct(product) });
    await setIfNewer(productKey(product._id), value, product.version ?? 0, options.productTtlSeconds * 1000);
  };

  return {
    async product(id: number): Promise<PublicProduct | null> {
      const cached = await quietly(redis.get(productKey(id)));
      options.onLookup?.("product", cached != null);
      if (cached) return (JSON.parse(cached) as { p: PublicProduct }).p;
      let pending = loading.get(id);
      if (!pending) {
        pending = load(id).finally(() => loading.delete(id));
        loading.set(id, pending);
      }
      return pending;
    },
    async listing(category: string | undefined): Promise<PublicProduct[]> {
      const key = listingKey(category ?? "*");
      const cached = await quietly(redis.get(key));
      options.onLookup?.("listing", cached != null);
      if (cached) return JSON.parse(cached) as PublicProduct[];
      const items = (await store.products.find(category === undefined ? {} : { category }).sort({ _id: 1 }).limit(50).toArray()).map(publicProduct);
      // Only the 8 real categories (and "all") are worth a key; a made-up category must not grow the cache.
      if (items.length > 0 || category === undefined) await quietly(redis.set(key, JSON.stringify(items), "EX", options.listingTtlSeconds));
      return items;
    },
    /**
     * After every write, before the writer gets its answer: the new copy goes in (unless something newer
     * is there) and the product's listings go out. Not quiet: if Redis cannot take the new copy, the
     * writer hears so (500) rather than a 200 followed by stale reads; its retry is harmless.
     */
    async written(product: Product): Promise<void> {
      await remember(product);
      await redis.del(listingKey(product.category), listingKey("*"));
    },
  };
}
export type CatalogCache = ReturnType<typeof catalogCache>;

export function catalogRoutes(store: Store, cache: CatalogCache, adminToken: string): Router {
  const router = Router();

  router.get("/products/:id", publicShortLived, async (req, res) => {
    const product = await cache.product(productId(req.params.id));
    if (!product) throw new HttpError(404, "no such product");
    res.json(product); // Express adds a weak ETag and answers 304 to a matching If-None-Match
  });

  router.get("/products", publicShortLived, async (req, res) => {
    const category = req.query.category;
    if (category !== undefined && (typeof category !== "string" || category.length > 50)) throw new HttpError(400, "category must be one short string");
    res.json({ items: await cache.listing(category) });
  });

  router.patch("/admin/products/:id", requireAdmin(adminToken), async (req, res) => {
    const id = productId(req.params.id);
    const updated = await store.products.findOneAndUpdate({ _id: id }, { $set: productPatch(req.body), $inc: { version: 1 } }, { returnDocument: "after" });
    if (!updated) throw new HttpError(404, "no such product");
    // Before answering: once the writer has its 200, every instance reads the new copy.
    await cache.written(updated);
    res.set("Cache-Control", "no-store");
    res.json(publicProduct(updated));
  });

  return router;
}
