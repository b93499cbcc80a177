// The catalog and the sessions, in memory: the lab is about what sits in front of the origin,
// not about the database behind it.

export type Language = "en" | "de";

export interface Product {
  id: number;
  name: Record<Language, string>;
  priceCents: number;
  /** Bumped on every change: a cheap way to tell one state of a product from the next. */
  version: number;
}

export interface User {
  id: string;
  name: string;
  email: string;
  cart: number[];
}

export class Catalog {
  private readonly products = new Map<number, Product>();

  constructor() {
    const seed: Array<[string, string, number]> = [
      ["Espresso cup", "Espressotasse", 900],
      ["Milk jug", "Milchkännchen", 1450],
      ["Grinder", "Kaffeemühle", 8900],
      ["Kettle", "Wasserkocher", 4200],
      ["Scale", "Waage", 2600],
    ];
    seed.forEach(([en, de, priceCents], i) => this.products.set(i + 1, { id: i + 1, name: { en, de }, priceCents, version: 1 }));
  }

  list(): Product[] {
    return [...this.products.values()];
  }

  get(id: number): Product | undefined {
    return this.products.get(id);
  }

  setPrice(id: number, priceCents: number): Product | undefined {
    const product = this.products.get(id);
    if (!product) return undefined;
    product.priceCents = priceCents;
    product.version += 1;
    return product;
  }
}

/** Session cookie value → user. Two users, so that the tests can tell whose data a response holds. */
export const sessions = new Map<string, User>([
  ["s-alice-7f3a", { id: "u1", name: "Alice", email: "alice@example.test", cart: [1, 3] }],
  ["s-bob-91c2", { id: "u2", name: "Bob", email: "bob@example.test", cart: [2] }],
]);

/** "de" when the client prefers German, otherwise "en" (the only two languages the catalog has). */
export function pickLanguage(acceptLanguage: string | undefined): Language {
  const first = (acceptLanguage ?? "").split(",")[0]?.trim().toLowerCase() ?? "";
  return first.startsWith("de") ? "de" : "en";
}
