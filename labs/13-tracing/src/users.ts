import { MongoServerError, ObjectId, type Collection, type Db } from "mongodb";
import type { NewUser } from "./user-input.ts";

interface UserDocument {
  _id: ObjectId;
  email: string;
  name: string;
  createdAt: Date;
}

/** A user as the API returns it. */
export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

export class DuplicateEmailError extends Error {
  override name = "DuplicateEmailError";
}

export interface UserStore {
  create(input: NewUser): Promise<User>;
  /** The user with this id (24 hex digits), or undefined. */
  get(id: string): Promise<User | undefined>;
}

/** Users in MongoDB, one per email address (a unique index enforces it even under concurrent sign-ups). */
export async function createUserStore(db: Db): Promise<UserStore> {
  const users: Collection<UserDocument> = db.collection<UserDocument>("users");
  await users.createIndex({ email: 1 }, { unique: true });
  return {
    async create(input) {
      const doc: UserDocument = { _id: new ObjectId(), email: input.email.toLowerCase(), name: input.name, createdAt: new Date() };
      try {
        await users.insertOne(doc);
      } catch (error) {
        if (error instanceof MongoServerError && error.code === 11000) throw new DuplicateEmailError(`a user with email ${doc.email} already exists`);
        throw error;
      }
      return toUser(doc);
    },
    async get(id) {
      const doc = await users.findOne({ _id: new ObjectId(id) });
      return doc ? toUser(doc) : undefined;
    },
  };
}

function toUser(doc: UserDocument): User {
  return { id: doc._id.toHexString(), email: doc.email, name: doc.name, createdAt: doc.createdAt.toISOString() };
}
