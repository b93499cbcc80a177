// Every key the app writes, in one place.

export interface Keys {
  session(sid: string): string;
  cart(user: string): string;
  /** A product's price; a SKU is "family-variant" (mug-red, mug-blue, tee-s). */
  product(sku: string): string;
  /** The limiter's two counters for one user, for the current minute and the current hour (both checked by one script). */
  limits(user: string, minute: number, hour: number): [string, string];
  /** BullMQ's prefix for one queue: its keys are `${prefix}:${queue}:...`. */
  queuePrefix(queue: string): string;
}

/** A SKU's family: what comes before the first "-" (the whole SKU when it has none). */
export const familyOf = (sku: string) => sku.split("-", 1)[0]!;

// TODO(2): on a cluster, keys that one command or one script touches together must live in one slot, and keys
// that are never used together should spread over every primary. Decide, key by key, what must stay together.
// TODO(3): and the same question for a queue's keys.
export function makeKeys(namespace: string): Keys {
  return {
    session: (sid) => `${namespace}:session:${sid}`,
    cart: (user) => `${namespace}:cart:${user}`,
    product: (sku) => `${namespace}:product:${sku}`,
    limits: (user, minute, hour) => [`${namespace}:limit:${user}:m:${minute}`, `${namespace}:limit:${user}:h:${hour}`],
    queuePrefix: () => namespace,
  };
}
