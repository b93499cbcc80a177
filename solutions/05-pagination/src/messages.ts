// GET /messages?after=<cursor>&limit=20: the newest messages first, one page at a time.
//
// Keyset ("cursor") pagination: each page starts right after the sort key of the previous
// page's last message. With an index on that sort key, a page costs about `limit` index entries
// however deep it is, and inserts between requests cannot shift a message into the next page
// twice or out of it altogether, as they can with skip().
import type { RequestHandler } from "express";
import type { Collection, Filter } from "mongodb";
import { z } from "zod";
import { decodeCursor, encodeCursor, type CursorPosition } from "./cursor.ts";
import { BadRequest } from "./errors.ts";
import { toMessageJson, type MessageDoc } from "./model.ts";

export interface MessagesDeps {
  messages: Collection<MessageDoc>;
  cursorSecret: string;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

// createdAt alone is not unique (several messages can share a millisecond), so _id breaks ties:
// only a total order lets "after this message" mean exactly one place in the list.
const PAGE_SORT = { createdAt: -1, _id: -1 } as const;

/** Start-up work for the messages collection; createApp awaits it before serving requests. */
export async function prepareMessages(messages: Collection<MessageDoc>): Promise<void> {
  // Same fields, same order and same directions as PAGE_SORT, so a page is read straight off
  // the index: no in-memory sort, and the scan stops after limit + 1 entries.
  // createIndex does nothing when the index already exists, so every start-up can run it.
  await messages.createIndex(PAGE_SORT, { name: "createdAt_-1__id_-1" });
}

// Over-large limits are lowered to the maximum (like GitHub's per_page): a client asking for
// too much still gets a useful page. Input that is not a positive whole number is a client bug,
// so it gets a 400 rather than a guess.
const limitParam = z
  .string({ error: "limit must be given once, as a whole number such as limit=20" })
  .regex(/^\d+$/, { error: "limit must be a whole number written in digits, such as limit=20" })
  .transform(Number)
  .refine((n) => n >= 1, { error: "limit must be at least 1" })
  .transform((n) => Math.min(n, MAX_LIMIT));

function readLimit(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const parsed = limitParam.safeParse(raw);
  if (!parsed.success) throw new BadRequest(parsed.error.issues[0]?.message ?? "limit is not valid");
  return parsed.data;
}

function readAfter(raw: unknown, secret: string): CursorPosition | undefined {
  if (raw === undefined) return undefined;
  const position = decodeCursor(raw, secret);
  if (!position) {
    throw new BadRequest("after must be a cursor copied from the `next` field of a previous response");
  }
  return position;
}

/** Messages that come after `position` in PAGE_SORT order. */
function afterFilter(position: CursorPosition): Filter<MessageDoc> {
  return {
    // The top-level bound lets the index scan start at the cursor's timestamp...
    createdAt: { $lte: position.createdAt },
    // ...and the $or drops the messages with that same timestamp that were already shown.
    $or: [{ createdAt: { $lt: position.createdAt } }, { _id: { $lt: position.id } }],
  };
}

export function listMessages({ messages, cursorSecret }: MessagesDeps): RequestHandler {
  return async (req, res) => {
    const limit = readLimit(req.query.limit);
    const after = readAfter(req.query.after, cursorSecret);

    const [docs, estimatedTotal] = await Promise.all([
      // One extra document tells us whether another page exists, so the last page says
      // next: null instead of sending the client to an empty page.
      messages.find(after ? afterFilter(after) : {}).sort(PAGE_SORT).limit(limit + 1).toArray(),
      // Read from collection metadata: constant cost, where countDocuments() reads every document.
      messages.estimatedDocumentCount(),
    ]);

    const items = docs.slice(0, limit);
    const last = items.at(-1);
    const next = docs.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last._id }, cursorSecret) : null;
    res.json({ items: items.map(toMessageJson), next, estimatedTotal });
  };
}
