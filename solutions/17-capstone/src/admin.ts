import { timingSafeEqual } from "node:crypto";
import { Router, type RequestHandler } from "express";
import type { Store } from "./db.ts";

/** Bearer ADMIN_TOKEN, compared in constant time. */
export function requireAdmin(adminToken: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${adminToken}`);
  return (req, res, next) => {
    const given = Buffer.from(req.get("authorization") ?? "");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.status(401).json({ error: "admin token required (Authorization: Bearer ...)" });
  };
}

const line = { $multiply: ["$items.priceCents", "$items.quantity"] };

/**
 * Rebuild the report's two views from the orders with $merge: the heavy aggregate runs once per
 * REPORT_REFRESH_MS in one process (the worker, through a BullMQ job scheduler), whatever the
 * number of admins or instances, instead of once per GET. Rows carry the time of the run that wrote
 * them. Categories and products never disappear from the orders, so merging (without deleting rows
 * that a run did not produce) keeps the views complete.
 */
export async function refreshReport(store: Store, now = new Date()): Promise<void> {
  await store.orders
    .aggregate([
      { $unwind: "$items" },
      { $group: { _id: { category: "$items.category", order: "$_id" }, revenueCents: { $sum: line } } },
      { $group: { _id: "$_id.category", orders: { $sum: 1 }, revenueCents: { $sum: "$revenueCents" } } },
      { $set: { generatedAt: now } },
      { $merge: { into: store.reportCategories.collectionName, on: "_id", whenMatched: "replace", whenNotMatched: "insert" } },
    ])
    .toArray();
  await store.orders
    .aggregate([
      { $unwind: "$items" },
      { $group: { _id: "$items.productId", name: { $last: "$items.name" }, quantity: { $sum: "$items.quantity" }, revenueCents: { $sum: line } } },
      { $set: { generatedAt: now } },
      { $merge: { into: store.reportProducts.collectionName, on: "_id", whenMatched: "replace", whenNotMatched: "insert" } },
    ])
    .toArray();
  // When the views were last built, orders or not: a shop with no orders yet has an empty report that
  // is fresh, not one with no date.
  await store.db.collection<{ _id: string; generatedAt: Date }>("report_meta").updateOne({ _id: "report" }, { $set: { generatedAt: now } }, { upsert: true });
}

export function adminRoutes(store: Store, adminToken: string): Router {
  const router = Router();

  // Three small reads of the views: the cost no longer grows with the number of orders.
  router.get("/admin/report", requireAdmin(adminToken), async (_req, res) => {
    const [categories, products, meta] = await Promise.all([
      store.reportCategories.find().sort({ revenueCents: -1, _id: 1 }).toArray(),
      store.reportProducts.find().sort({ revenueCents: -1, _id: 1 }).limit(10).toArray(),
      store.db.collection<{ _id: string; generatedAt: Date }>("report_meta").findOne({ _id: "report" }),
    ]);
    // The age of the report is the time of the last refresh that finished; null until the first has run.
    res.set("Cache-Control", "private, no-store");
    res.json({
      generatedAt: meta ? meta.generatedAt.toISOString() : null,
      byCategory: categories.map(({ _id, orders, revenueCents }) => ({ category: _id, orders, revenueCents })),
      topProducts: products.map(({ _id, name, quantity, revenueCents }) => ({ productId: _id, name, quantity, revenueCents })),
    });
  });

  return router;
}
