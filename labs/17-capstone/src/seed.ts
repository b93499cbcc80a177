import type { Collection } from "mongodb";

export const CATEGORIES = ["books", "garden", "kitchen", "music", "outdoor", "tools", "toys", "video"] as const;
export const PRODUCT_COUNT = 200;

interface SeedProduct {
  _id: number;
  name: string;
  priceCents: number;
  stock: number;
  category: string;
}

/**
 * 200 products in 8 categories, ids 1-200, 1000 of each in stock. Idempotent: a second run inserts
 * nothing and changes nothing that exists. It takes the collection, not the app's db.ts, so the
 * stack and the tests can seed whatever the learner does to src/.
 */
export async function seed(products: Collection<SeedProduct>): Promise<number> {
  const ops = Array.from({ length: PRODUCT_COUNT }, (_, i) => {
    const id = i + 1;
    const category = CATEGORIES[i % CATEGORIES.length]!;
    return {
      updateOne: {
        filter: { _id: id },
        update: { $setOnInsert: { name: `${category} item ${id}`, priceCents: 199 + ((id * 373) % 9800), stock: 1000, category } },
        upsert: true,
      },
    };
  });
  const result = await products.bulkWrite(ops, { ordered: false });
  return result.upsertedCount;
}
