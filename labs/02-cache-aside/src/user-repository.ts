import { ObjectId, type Db } from "mongodb";

/** A user as the API returns it and as the cache stores it (plain JSON, id as a hex string). */
export interface User {
  id: string;
  name: string;
  email: string;
}

export type UserPatch = Partial<Pick<User, "name" | "email">>;

/** How the app reaches MongoDB. Provided: you do not need to edit this file. */
export interface UserRepository {
  /** The user with this id, or null. One `find` command on the `users` collection. */
  findById(id: string): Promise<User | null>;
  /** Apply the patch and return the updated user, or null if there is no such user. */
  update(id: string, patch: UserPatch): Promise<User | null>;
}

interface UserDocument {
  _id: ObjectId;
  name: string;
  email: string;
}

export interface RepositoryOptions {
  /** Extra latency added to every query, to play a busy or distant database (env SLOW_DB_MS). */
  delayMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createUserRepository(db: Db, options: RepositoryOptions = {}): UserRepository {
  const users = db.collection<UserDocument>("users");
  const delay = options.delayMs ?? 0;
  const toUser = (doc: UserDocument): User => ({ id: doc._id.toHexString(), name: doc.name, email: doc.email });

  return {
    async findById(id) {
      if (delay > 0) await sleep(delay);
      const doc = await users.findOne({ _id: new ObjectId(id) });
      return doc ? toUser(doc) : null;
    },
    async update(id, patch) {
      if (delay > 0) await sleep(delay);
      const doc = await users.findOneAndUpdate({ _id: new ObjectId(id) }, { $set: patch }, { returnDocument: "after" });
      return doc ? toUser(doc) : null;
    },
  };
}
