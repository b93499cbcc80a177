// The shape of a message in MongoDB and in the API, kept apart so the API can change its JSON
// without touching stored documents (and the other way round).
import type { Collection, Db, ObjectId } from "mongodb";

/** A message as stored in the `messages` collection. */
export interface MessageDoc {
  _id: ObjectId;
  createdAt: Date;
  author: string;
  text: string;
}

/** A message as the API returns it. */
export interface MessageJson {
  id: string;
  createdAt: string;
  author: string;
  text: string;
}

export const MESSAGES_COLLECTION = "messages";

export function messagesCollection(db: Db): Collection<MessageDoc> {
  return db.collection<MessageDoc>(MESSAGES_COLLECTION);
}

export function toMessageJson(doc: MessageDoc): MessageJson {
  return { id: doc._id.toHexString(), createdAt: doc.createdAt.toISOString(), author: doc.author, text: doc.text };
}
