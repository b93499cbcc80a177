import { Router, type RequestHandler } from "express";
import { ObjectId } from "mongodb";
import type { Order, OrderLine, Store } from "./db.ts";
import { HttpError, intParam, productId } from "./http.ts";
import { confirmationEmail, sendEmail } from "./email.ts";
import type { SessionUser } from "./auth.ts";

const MAX_CART_LINES = 50;

function cartItem(body: unknown): { productId: number; quantity: number } {
  const { productId: rawId, quantity } = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof rawId !== "number" && typeof rawId !== "string") throw new HttpError(400, "productId is required");
  if (!Number.isInteger(quantity) || (quantity as number) < 1 || (quantity as number) > 100) throw new HttpError(400, "quantity must be a whole number from 1 to 100");
  return { productId: productId(rawId), quantity: quantity as number };
}

export function publicOrder(order: Order) {
  return {
    orderId: order._id.toHexString(),
    totalCents: order.totalCents,
    createdAt: order.createdAt.toISOString(),
    items: order.items.map(({ productId, name, quantity, priceCents }) => ({ productId, name, quantity, priceCents })),
  };
}

/** Take each line's quantity from stock only where enough is left; on a shortage put back what was taken. */
async function reserveStock(store: Store, items: { productId: number; quantity: number }[]): Promise<OrderLine[]> {
  const lines: OrderLine[] = [];
  for (const item of items) {
    const product = await store.products.findOneAndUpdate({ _id: item.productId, stock: { $gte: item.quantity } }, { $inc: { stock: -item.quantity } }, { returnDocument: "after" });
    if (!product) {
      for (const line of lines) await store.products.updateOne({ _id: line.productId }, { $inc: { stock: line.quantity } });
      throw new HttpError(409, `not enough stock for product ${item.productId}`);
    }
    lines.push({ productId: product._id, quantity: item.quantity, name: product.name, category: product.category, priceCents: product.priceCents });
  }
  return lines;
}

export function orderRoutes(store: Store, requireUser: RequestHandler, emailUrl: string): Router {
  const router = Router();
  router.use(["/cart", "/checkout", "/orders"], requireUser);

  router.get("/cart", async (_req, res) => {
    const user = res.locals.user as SessionUser;
    const cart = await store.carts.findOne({ _id: new ObjectId(user.id) });
    res.json({ items: cart?.items ?? [] });
  });

  router.post("/cart/items", async (req, res) => {
    const user = res.locals.user as SessionUser;
    const item = cartItem(req.body);
    if (!(await store.products.findOne({ _id: item.productId }))) throw new HttpError(404, "no such product");
    const cartId = new ObjectId(user.id);
    const cart = (await store.carts.findOne({ _id: cartId })) ?? { _id: cartId, items: [] };
    const line = cart.items.find((i) => i.productId === item.productId);
    if (line) line.quantity = Math.min(100, line.quantity + item.quantity);
    else if (cart.items.length >= MAX_CART_LINES) throw new HttpError(400, `a cart holds at most ${MAX_CART_LINES} products`);
    else cart.items.push(item);
    await store.carts.replaceOne({ _id: cartId }, cart, { upsert: true });
    res.json({ items: cart.items });
  });

  router.post("/checkout", async (req, res) => {
    const user = res.locals.user as SessionUser;
    const userId = new ObjectId(user.id);
    const key = req.get("idempotency-key");
    if (key !== undefined && (key.length === 0 || key.length > 100)) throw new HttpError(400, "Idempotency-Key must be 1 to 100 characters");
    if (key) {
      const earlier = await store.orders.findOne({ userId, idempotencyKey: key });
      if (earlier) return void res.status(201).json({ orderId: earlier._id.toHexString(), totalCents: earlier.totalCents });
    }
    const cart = await store.carts.findOne({ _id: userId });
    if (!cart || cart.items.length === 0) throw new HttpError(400, "the cart is empty");
    const items = await reserveStock(store, cart.items);
    const order: Order = {
      _id: new ObjectId(),
      userId,
      email: user.email,
      items,
      totalCents: items.reduce((sum, line) => sum + line.priceCents * line.quantity, 0),
      createdAt: new Date(),
      ...(key ? { idempotencyKey: key } : {}),
    };
    await store.orders.insertOne(order);
    await store.carts.deleteOne({ _id: userId });

    const orderId = order._id.toHexString();
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await sendEmail(emailUrl, confirmationEmail(user.email, orderId, order.totalCents), orderId);
        return void res.status(201).json({ orderId, totalCents: order.totalCents });
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
    console.error(`order ${orderId}: confirmation email failed: ${(lastError as Error).message}`);
    throw new HttpError(502, "the order was placed but its confirmation email could not be sent");
  });

  router.get("/orders", async (req, res) => {
    const user = res.locals.user as SessionUser;
    const limit = intParam(req.query.limit, "limit", 20, 1, 100);
    // nextCursor is the next page's number, so a client that follows nextCursor pages through.
    const page = intParam(req.query.cursor ?? req.query.page, "cursor", 1, 1, 1_000_000);
    const filter = { userId: new ObjectId(user.id) };
    const total = await store.orders.countDocuments(filter);
    const orders = await store.orders.find(filter).sort({ createdAt: -1, _id: -1 }).skip((page - 1) * limit).limit(limit).toArray();
    const nextCursor = page * limit < total ? String(page + 1) : null;
    res.json({ items: orders.map(publicOrder), nextCursor, total });
  });

  return router;
}
