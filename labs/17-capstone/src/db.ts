import { MongoClient, type Collection, type Db, type ObjectId } from "mongodb";
import type { Config } from "./config.ts";

export interface Product {
  _id: number;
  name: string;
  priceCents: number;
  stock: number;
  category: string;
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
}

export interface Store {
  client: MongoClient;
  db: Db;
  products: Collection<Product>;
  users: Collection<User>;
  carts: Collection<Cart>;
  orders: Collection<Order>;
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
  };
}

export async function connectStore(config: Config): Promise<Store> {
  const client = await new MongoClient(config.mongoUrl).connect();
  const store = collections(client, config.namespace);
  await store.users.createIndex({ email: 1 }, { unique: true });
  return store;
}
