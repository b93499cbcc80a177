import { Router } from "express";
import type { Store, Product } from "./db.ts";
import { HttpError, productId } from "./http.ts";
import { requireAdmin } from "./admin.ts";

export function publicProduct(p: Product) {
  return { id: p._id, name: p.name, priceCents: p.priceCents, stock: p.stock, category: p.category };
}

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

export function catalogRoutes(store: Store, adminToken: string): Router {
  const router = Router();

  router.get("/products/:id", async (req, res) => {
    const product = await store.products.findOne({ _id: productId(req.params.id) });
    if (!product) throw new HttpError(404, "no such product");
    res.json(publicProduct(product));
  });

  router.get("/products", async (req, res) => {
    const category = req.query.category;
    if (category !== undefined && (typeof category !== "string" || category.length > 50)) throw new HttpError(400, "category must be one short string");
    const filter = category === undefined ? {} : { category };
    const items = await store.products.find(filter).sort({ _id: 1 }).limit(50).toArray();
    res.json({ items: items.map(publicProduct) });
  });

  router.patch("/admin/products/:id", requireAdmin(adminToken), async (req, res) => {
    const id = productId(req.params.id);
    const updated = await store.products.findOneAndUpdate({ _id: id }, { $set: productPatch(req.body) }, { returnDocument: "after" });
    if (!updated) throw new HttpError(404, "no such product");
    res.json(publicProduct(updated));
  });

  return router;
}
