import type { Db } from "mongodb";

/** One product in the catalogue. */
export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
}

/** SKUs look like SKU-0042. Anything else is refused before it reaches the database. */
export const skuPattern = /^SKU-\d{4}$/;

export function sampleProducts(count = 200): Product[] {
  return Array.from({ length: count }, (_, i) => ({
    sku: `SKU-${String(i + 1).padStart(4, "0")}`,
    name: `Product ${i + 1}`,
    priceCents: 500 + ((i * 37) % 4500),
    stock: (i * 13) % 50,
  }));
}

/** Insert the sample catalogue unless there is one already. */
export async function seedProducts(db: Db, count = 200): Promise<void> {
  const products = db.collection<Product>("products");
  if (await products.findOne({})) return;
  await products.createIndex({ sku: 1 }, { unique: true });
  await products.insertMany(sampleProducts(count));
}
