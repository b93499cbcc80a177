import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
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

// The in-process tier answers hot keys without a network hop. Other instances cannot
// invalidate it, so its TTL is the longest another instance may serve a user after a PATCH.
const LOCAL_TTL_MS = 2_000;
const LOCAL_MAX_ENTRIES = 1_000;

// One line per kind of failure every 10 s: an outage must not flood the log.
const lastWarned = new Map<string, number>();
function warnCacheError(action: string, error: unknown) {
  const now = Date.now();
  if (now - (lastWarned.get(action) ?? 0) < 10_000) return;
  lastWarned.set(action, now);
  console.warn(`cache ${action} failed, continuing without Redis: ${(error as Error).message}`);
}

export function createUserService({ repo, redis, namespace }: UserServiceDeps): UserService {
  const local = new LRUCache<string, User>({ max: LOCAL_MAX_ENTRIES, ttl: LOCAL_TTL_MS });
  // Loads in progress, so concurrent misses for one user share a single Redis and MongoDB trip.
  // It holds only loads in flight, so it cannot outgrow the number of concurrent requests.
  const loading = new Map<string, Promise<User | null>>();
  // Bumped by every write. A load that began before a write may carry the old user: it may still
  // answer the request that started it, but it must not put that user back into either cache.
  // One counter for all users keeps this bounded; a write elsewhere only costs a skipped fill.
  let writes = 0;

  async function readRedis(key: string): Promise<User | null> {
    try {
      const cached = await redis.get(key);
      return cached === null ? null : (JSON.parse(cached) as User);
    } catch (error) {
      warnCacheError("read", error);
      return null; // treat an unreachable cache as a miss
    }
  }

  async function load(id: string): Promise<User | null> {
    const key = userCacheKey(namespace, id);
    const startedAt = writes;
    const cached = await readRedis(key);
    if (cached) {
      if (writes === startedAt) local.set(id, cached);
      return cached;
    }
    const user = await repo.findById(id);
    // "Not found" is not cached: a user created a moment later must be readable at once.
    if (user && writes === startedAt) {
      local.set(id, user);
      await redis.set(key, JSON.stringify(user), "EX", USER_TTL_SECONDS).catch((error: unknown) => warnCacheError("write", error));
    }
    return user;
  }

  return {
    async get(id) {
      const hot = local.get(id);
      if (hot) return hot;
      let pending = loading.get(id);
      if (!pending) {
        const started = load(id).finally(() => {
          if (loading.get(id) === started) loading.delete(id);
        });
        loading.set(id, started);
        pending = started;
      }
      return pending;
    },

    async update(id, patch) {
      const user = await repo.update(id, patch);
      writes++;
      // Delete only after MongoDB accepted the write: deleting first lets a concurrent read
      // put the old value straight back. Deleting (not rewriting) the entry means the next
      // read loads whatever the database holds, even if two writers race.
      local.delete(id);
      // A load that started before this write may carry the old user: later reads must not join it.
      loading.delete(id);
      await redis.del(userCacheKey(namespace, id)).catch((error: unknown) => warnCacheError("invalidate", error));
      return user;
    },
  };
}
