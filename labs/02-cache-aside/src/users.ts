import type { Redis } from "ioredis";
import type { User, UserPatch, UserRepository } from "./user-repository.ts";

export interface UserService {
  /** The user, or null if there is none. */
  get(id: string): Promise<User | null>;
  /** The updated user, or null if there is none. */
  update(id: string, patch: UserPatch): Promise<User | null>;
}

export interface UserServiceDeps {
  repo: UserRepository;
  redis: Redis;
  /** WORKBOOK_NS, e.g. "wb_k3j9x2". */
  namespace: string;
}

/** The Redis key for one user: `<namespace>:user:<id>`. The tests look for exactly this key. */
export const userCacheKey = (namespace: string, id: string) => `${namespace}:user:${id}`;

/** How long a user may live in Redis, in seconds. */
export const USER_TTL_SECONDS = 300;

export function createUserService({ repo, redis, namespace }: UserServiceDeps): UserService {
  void redis; // unused until you add the cache
  void namespace;

  return {
    async get(id) {
      // TODO(4): look in a small in-process cache first, bounded in size and in age (README
      // step 4 gives both limits); fill it whenever you find the user below. Create it once,
      // above the `return`, so each service instance has its own.

      // TODO(1): cache-aside. Look in Redis under userCacheKey(namespace, id). On a hit,
      // return the parsed JSON. On a miss, read MongoDB and, if the user exists, store it
      // as JSON with a TTL of USER_TTL_SECONDS. Do not cache "not found".

      // TODO(3): Redis is an optimisation. If a Redis command fails, carry on as if it
      // were a miss: answer from MongoDB.

      // TODO(6), stretch (optional): when many requests miss the same key at once, let
      // one of them load it and have the others wait for that result. A load that fails must
      // not be handed to the next reader, and a load that began before a write must neither
      // answer reads that start after it nor put the old user back into a cache.
      return repo.findById(id);
    },

    async update(id, patch) {
      const user = await repo.update(id, patch);
      // TODO(2): invalidate. Once MongoDB has accepted the update, delete the user's
      // Redis key (and, after step 4, its LRU entry), so the next read loads fresh data.
      // A failed delete must not fail the request (step 3).
      return user;
    },
  };
}
