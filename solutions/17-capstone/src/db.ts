import { Redis } from "ioredis";
import { MongoClient, type Collection, type Db, type ObjectId } from "mongodb";
import type { Config } from "./config.ts";

export interface Product {
  _id: number;
  name: string;
  priceCents: number;
  stock: number;
  category: string;
  /** Bumped by every write, so a cache never replaces a newer copy with an older one. Absent = 0. */
  version?: number;
}

export interface User {
  _id: ObjectId;
  email: string;
  /** scrypt: `${salt hex}:${hash hex}` */
  passwordHash: string;
  createdAt: Date;
}

export interface CartItem {
  productId: number;
  quantity: number;
}

export interface Cart {
  _id: ObjectId; // the user's id
  items: CartItem[];
}

export interface OrderLine extends CartItem {
  name: string;
  category: string;
  priceCents: number;
}

export interface Order {
  _id: ObjectId;
  userId: ObjectId;
  email: string;
  items: OrderLine[];
  totalCents: number;
  createdAt: Date;
  idempotencyKey?: string;
  /** `${userId}:${idempotencyKey}`, only on orders placed with a key: one unique, sparse index covers "one order per key per user". */
  idempotencyId?: string;
  /** Set until the confirmation job is safely in the queue; the worker's sweep enqueues what a crash left behind. */
  emailPending?: true;
}

/** One row of the admin report's views, written by the worker's $merge. */
export interface CategoryRow {
  _id: string;
  orders: number;
  revenueCents: number;
  generatedAt: Date;
}
export interface ProductRow {
  _id: number;
  name: string;
  quantity: number;
  revenueCents: number;
  generatedAt: Date;
}

export interface Store {
  client: MongoClient;
  db: Db;
  products: Collection<Product>;
  users: Collection<User>;
  carts: Collection<Cart>;
  orders: Collection<Order>;
  reportCategories: Collection<CategoryRow>;
  reportProducts: Collection<ProductRow>;
}

export function collections(client: MongoClient, namespace: string): Store {
  const db = client.db(namespace);
  return {
    client,
    db,
    products: db.collection<Product>("products"),
    users: db.collection<User>("users"),
    carts: db.collection<Cart>("carts"),
    orders: db.collection<Order>("orders"),
    reportCategories: db.collection<CategoryRow>("report_by_category"),
    reportProducts: db.collection<ProductRow>("report_top_products"),
  };
}

/**
 * The budget is operations per second, not connections: with 3 instances and a worker sharing a few
 * hundred ops/s, a pool of 10 per process already holds more operations in flight than the server
 * will start. A larger pool only lengthens the queue inside MongoDB; a request that cannot get a
 * connection within a second fails fast (503 + Retry-After) instead of holding its client for 30 s.
 * monitorCommands feeds the DB-operations counter of /metrics: the figure the budget is counted in.
 */
export async function connectStore(config: Config, onCommand?: (name: string) => void): Promise<Store> {
  const client = new MongoClient(config.mongoUrl, {
    maxPoolSize: 10,
    minPoolSize: 2,
    waitQueueTimeoutMS: 1000,
    serverSelectionTimeoutMS: 5000,
    appName: config.instance,
    monitorCommands: onCommand !== undefined,
  });
  if (onCommand) client.on("commandStarted", (event) => onCommand(event.commandName));
  await client.connect();
  const store = collections(client, config.namespace);
  await Promise.all([
    store.users.createIndex({ email: 1 }, { unique: true }),
    // Keyset pagination: one user's orders, newest first, ties broken by _id; the scan starts at the cursor.
    store.orders.createIndex({ userId: 1, createdAt: -1, _id: -1 }),
    // A retried checkout finds its first order, and two racing ones cannot both insert. Sparse: orders
    // without a key are not in it (a partial index would do too; the stand-in has only sparse).
    store.orders.createIndex({ idempotencyId: 1 }, { unique: true, sparse: true }),
    // The worker's sweep: only the few orders still waiting for their job are in it.
    store.orders.createIndex({ emailPending: 1 }, { sparse: true }),
    store.products.createIndex({ category: 1, _id: 1 }),
  ]);
  return store;
}

/**
 * One Redis client per process for sessions, cache, rate limits and the queue's producer side.
 * No keyPrefix (BullMQ refuses one): every key is written as `${namespace}:...` by hand.
 * A command that waits more than 1 s for Redis fails, so a Redis outage degrades requests instead of
 * hanging them (the callers decide what "degrade" means: cache miss, fail open, 503).
 */
export function connectRedis(config: Config): Redis {
  const redis = new Redis(config.redisUrl, { commandTimeout: 1000, maxRetriesPerRequest: 1, connectionName: config.instance });
  let last = "";
  redis.on("error", (error: Error) => {
    if (error.message !== last) console.error(`redis: ${error.message}`);
    last = error.message;
  });
  redis.on("ready", () => (last = ""));
  return redis;
}
