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

export function adminRoutes(store: Store, adminToken: string): Router {
  const router = Router();

  router.get("/admin/report", requireAdmin(adminToken), async (_req, res) => {
    const byCategory = await store.orders
      .aggregate<{ category: string; orders: number; revenueCents: number }>([
        { $unwind: "$items" },
        { $group: { _id: { category: "$items.category", order: "$_id" }, revenueCents: { $sum: { $multiply: ["$items.priceCents", "$items.quantity"] } } } },
        { $group: { _id: "$_id.category", orders: { $sum: 1 }, revenueCents: { $sum: "$revenueCents" } } },
        { $sort: { revenueCents: -1, _id: 1 } },
        { $project: { _id: 0, category: "$_id", orders: 1, revenueCents: 1 } },
      ])
      .toArray();
    const topProducts = await store.orders
      .aggregate<{ productId: number; name: string; quantity: number; revenueCents: number }>([
        { $unwind: "$items" },
        { $group: { _id: "$items.productId", name: { $first: "$items.name" }, quantity: { $sum: "$items.quantity" }, revenueCents: { $sum: { $multiply: ["$items.priceCents", "$items.quantity"] } } } },
        { $sort: { revenueCents: -1, _id: 1 } },
        { $limit: 10 },
        { $project: { _id: 0, productId: "$_id", name: 1, quantity: 1, revenueCents: 1 } },
      ])
      .toArray();
    res.json({ generatedAt: new Date().toISOString(), byCategory, topProducts });
  });

  return router;
}
