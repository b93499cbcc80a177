import { createHmac, timingSafeEqual } from "node:crypto";
import { Router, type RequestHandler } from "express";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { MongoServerError, ObjectId, type Filter } from "mongodb";
import type { Order, OrderLine, Product, Store } from "./db.ts";
import { HttpError, intParam, personal, productId } from "./http.ts";
import { enqueueConfirmation, type OrderEmailJob } from "./email.ts";
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

/**
 * A cursor is the position of the last order of a page, (createdAt, _id), signed: the client cannot
 * forge one that points into someone else's orders or makes the server scan from an odd place, and
 * the same cursor works on every instance (they share SECRET).
 */
export function cursorCodec(secret: string) {
  const sign = (payload: string) => createHmac("sha256", secret).update(`orders-cursor:${payload}`).digest("base64url").slice(0, 22);
  return {
    encode(order: Order): string {
      const payload = Buffer.from(`${order.createdAt.getTime()}.${order._id.toHexString()}`).toString("base64url");
      return `${payload}.${sign(payload)}`;
    },
    decode(cursor: string): { createdAt: Date; id: ObjectId } {
      const [payload, mac, ...rest] = cursor.split(".");
      const expected = payload ? Buffer.from(sign(payload)) : undefined;
      if (rest.length > 0 || !payload || !mac || !expected || Buffer.from(mac).length !== expected.length || !timingSafeEqual(Buffer.from(mac), expected)) {
        throw new HttpError(400, "cursor is not one this API issued");
      }
      const [time, id] = Buffer.from(payload, "base64url").toString().split(".");
      return { createdAt: new Date(Number(time)), id: new ObjectId(id) };
    },
  };
}

export interface OrderDeps {
  store: Store;
  requireUser: RequestHandler;
  queue: Queue<OrderEmailJob>;
  secret: string;
  /** After stock changed: the catalog cache takes the new copies. */
  productsWritten: (products: Product[]) => Promise<void>;
  /** Whether a product exists (through the catalog cache: no DB operation for a hot product). */
  productExists: (id: number) => Promise<boolean>;
  redis: Redis;
  namespace: string;
}

/** How long an untouched cart is kept. */
const CART_TTL_MS = 30 * 86_400_000;

// One cart is one Redis hash, productId -> quantity. Adding a line is one script: the quantity is
// capped at 100 and the cart at MAX_CART_LINES lines without a read-modify-write race between two tabs.
const ADD_TO_CART = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  redis.call('HSET', KEYS[1], ARGV[1], math.min(100, tonumber(current) + tonumber(ARGV[2])))
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return nil
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('HGETALL', KEYS[1])
`;

function cartItems(flat: string[]): { productId: number; quantity: number }[] {
  const items: { productId: number; quantity: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) items.push({ productId: Number(flat[i]), quantity: Number(flat[i + 1]) });
  return items;
}

/** Take each line's quantity from stock only where enough is left (one atomic update each); on a shortage put back what was taken. */
async function reserveStock(store: Store, items: { productId: number; quantity: number }[]): Promise<{ lines: OrderLine[]; products: Product[] }> {
  const lines: OrderLine[] = [];
  const products: Product[] = [];
  for (const item of items) {
    const product = await store.products.findOneAndUpdate({ _id: item.productId, stock: { $gte: item.quantity } }, { $inc: { stock: -item.quantity, version: 1 } }, { returnDocument: "after" });
    if (!product) {
      await releaseStock(store, lines);
      throw new HttpError(409, `not enough stock for product ${item.productId}`);
    }
    products.push(product);
    lines.push({ productId: product._id, quantity: item.quantity, name: product.name, category: product.category, priceCents: product.priceCents });
  }
  return { lines, products };
}
async function releaseStock(store: Store, lines: OrderLine[]): Promise<void> {
  for (const line of lines) await store.products.updateOne({ _id: line.productId }, { $inc: { stock: line.quantity, version: 1 } });
}

export function orderRoutes({ store, requireUser, queue, secret, productsWritten, productExists, redis, namespace }: OrderDeps): Router {
  const router = Router();
  const cursors = cursorCodec(secret);
  // Carts live in Redis, not MongoDB: a cart is read and rewritten on every add, and those operations
  // were a third of the DB budget at 10x. It is short-lived state like a session; the order is what is kept.
  const cartKey = (userId: string) => `${namespace}:cart:${userId}`;
  if (!("shopAddToCart" in redis)) redis.defineCommand("shopAddToCart", { numberOfKeys: 1, lua: ADD_TO_CART });
  const addToCart = (redis as unknown as { shopAddToCart: (key: string, id: number, quantity: number, maxLines: number, ttlMs: number) => Promise<string[] | null> }).shopAddToCart.bind(redis);
  router.use(["/cart", "/checkout", "/orders"], personal, requireUser);

  router.get("/cart", async (_req, res) => {
    const user = res.locals.user as SessionUser;
    res.json({ items: cartItems(Object.entries(await redis.hgetall(cartKey(user.id))).flat()) });
  });

  router.post("/cart/items", async (req, res) => {
    const user = res.locals.user as SessionUser;
    const item = cartItem(req.body);
    if (!(await productExists(item.productId))) throw new HttpError(404, "no such product");
    const flat = await addToCart(cartKey(user.id), item.productId, item.quantity, MAX_CART_LINES, CART_TTL_MS);
    if (!flat) throw new HttpError(400, `a cart holds at most ${MAX_CART_LINES} products`);
    res.json({ items: cartItems(flat) });
  });

  router.post("/checkout", async (req, res) => {
    const user = res.locals.user as SessionUser;
    const userId = new ObjectId(user.id);
    const key = req.get("idempotency-key");
    if (key !== undefined && (key.length === 0 || key.length > 100)) throw new HttpError(400, "Idempotency-Key must be 1 to 100 characters");
    const idempotencyId = key ? `${user.id}:${key}` : undefined;
    if (idempotencyId) {
      const earlier = await store.orders.findOne({ idempotencyId });
      if (earlier) return void res.status(201).json({ orderId: earlier._id.toHexString(), totalCents: earlier.totalCents });
    }
    const cart = cartItems(Object.entries(await redis.hgetall(cartKey(user.id))).flat());
    if (cart.length === 0) {
      // A retry that raced the first try past the lookup above finds the cart it emptied: same key, same order.
      const placed = idempotencyId ? await store.orders.findOne({ idempotencyId }) : null;
      if (placed) return void res.status(201).json({ orderId: placed._id.toHexString(), totalCents: placed.totalCents });
      throw new HttpError(400, "the cart is empty");
    }
    const { lines, products } = await reserveStock(store, cart);
    const order: Order = {
      _id: new ObjectId(),
      userId,
      email: user.email,
      items: lines,
      totalCents: lines.reduce((sum, line) => sum + line.priceCents * line.quantity, 0),
      createdAt: new Date(),
      ...(key ? { idempotencyKey: key, idempotencyId } : {}),
      emailPending: true,
    };
    try {
      await store.orders.insertOne(order);
    } catch (error) {
      await releaseStock(store, lines);
      // Two checkouts with one key raced; the unique index let one through. The other answers with its order.
      const winner = error instanceof MongoServerError && error.code === 11000 && idempotencyId ? await store.orders.findOne({ idempotencyId }) : null;
      if (winner) return void res.status(201).json({ orderId: winner._id.toHexString(), totalCents: winner.totalCents });
      throw error;
    }
    await productsWritten(products).catch((error: Error) => console.error(`catalog cache after checkout: ${error.message}`));
    await redis.del(cartKey(user.id));

    // The email leaves the request: the order is acknowledged once it is stored and its job queued.
    // If the queue is unreachable the order stays emailPending and the worker's sweep sends it later,
    // so the client still gets its 201 and no confirmation is lost.
    const orderId = order._id.toHexString();
    try {
      await enqueueConfirmation(queue, { orderId, to: user.email, totalCents: order.totalCents });
      await store.orders.updateOne({ _id: order._id }, { $unset: { emailPending: "" } });
    } catch (error) {
      console.error(`order ${orderId}: confirmation not queued yet (${(error as Error).message}); the worker's sweep will`);
    }
    res.status(201).json({ orderId, totalCents: order.totalCents });
  });

  // Keyset pagination: each page starts where the last ended, through the (userId, createdAt, _id)
  // index; a deep page costs what the first does, and no count of all orders is made.
  router.get("/orders", async (req, res) => {
    const user = res.locals.user as SessionUser;
    const limit = intParam(req.query.limit, "limit", 20, 1, 100);
    const rawCursor = req.query.cursor;
    if (rawCursor !== undefined && (typeof rawCursor !== "string" || rawCursor.length > 200)) throw new HttpError(400, "cursor is not one this API issued");
    const filter: Filter<Order> = { userId: new ObjectId(user.id) };
    if (rawCursor) {
      const after = cursors.decode(rawCursor);
      filter.$or = [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, _id: { $lt: after.id } }];
    }
    const page = await store.orders.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit + 1).toArray();
    const items = page.slice(0, limit);
    const last = items.at(-1);
    res.json({ items: items.map(publicOrder), nextCursor: page.length > limit && last ? cursors.encode(last) : null });
  });

  return router;
}
