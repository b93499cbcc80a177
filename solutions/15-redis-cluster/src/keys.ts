// Every key the app writes, in one place. On a cluster a key's slot is CRC16 of the key modulo 16,384, unless
// the key holds a hash tag: then only the text between the first "{" and the next "}" is hashed. Keys that one
// command or script touches together must share a slot, so they share a tag; keys that are never used together
// keep tags of their own, so they spread over the primaries.

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

export function makeKeys(namespace: string): Keys {
  return {
    // One key per session: no tag needed, the whole name is hashed and sessions spread by id.
    session: (sid) => `${namespace}:session:${sid}`,
    // A cart is one hash; the user tag also puts it next to that user's counters.
    cart: (user) => `${namespace}:cart:{${user}}`,
    // A cart reads many prices at once, and carts hold a few families with many variants: the family is the unit read
    // together, so it is the tag. Not the SKU (one slot per product, no grouping possible), not the whole catalogue
    // (one primary would hold, and serve, every price).
    product: (sku) => `${namespace}:product:{${familyOf(sku)}}:${sku}`,
    // Both counters are touched by one Lua script: same tag, the user. Users spread; one user's counters stay together.
    limits: (user, minute, hour) => [`${namespace}:limit:{${user}}:m:${minute}`, `${namespace}:limit:{${user}}:h:${hour}`],
    // A queue's Lua scripts touch many of its keys at once: the whole prefix is a tag, one per queue, so each queue
    // lives in one slot and different queues can sit on different primaries. The namespace stays inside the tag.
    queuePrefix: (queue) => `{${namespace}:${queue}}`,
  };
}
