// GET /messages: the newest messages first, one page at a time.
//
// This version pages with ?page=N&limit=M, i.e. skip((N - 1) * M). It is correct on a small
// collection and slows down as the collection and the page number grow:
// - skip() still walks past every skipped document, so page 500 costs 500 times page 1;
// - with no index on createdAt, every request sorts the whole collection in memory;
// - countDocuments() visits every document on every request just to print a total;
// - ?limit= is not capped, so one request can ask for the whole collection.
import type { RequestHandler } from "express";
import type { Collection } from "mongodb";
import { toMessageJson, type MessageDoc } from "./model.ts";

export interface MessagesDeps {
  messages: Collection<MessageDoc>;
  cursorSecret: string;
}

/** Start-up work for the messages collection; createApp awaits it before serving requests. */
export async function prepareMessages(messages: Collection<MessageDoc>): Promise<void> {
  // TODO(2): create the compound index that serves the page query's sort, so that a page is
  // read straight off the index instead of sorting the collection. createIndex is idempotent:
  // running it at every start-up is safe.
  void messages;
}

export function listMessages({ messages }: MessagesDeps): RequestHandler {
  return async (req, res) => {
    // TODO(1): validate and cap limit: default 20, values above 100 become 100, and anything that
    // is not a whole number of at least 1 written in digits (or is not a single value) is a 400.
    const limit = Math.max(1, Math.floor(Number(req.query.limit)) || 20);
    const page = Math.max(1, Math.floor(Number(req.query.page)) || 1);

    // TODO(4): replace page/skip with a cursor. Sort on { createdAt: -1, _id: -1 }, start after
    // the position decoded from ?after= (a 400 when it does not decode), ask for limit + 1
    // documents to learn whether another page exists, and return `next` (null on the last page).
    const docs = await messages
      .find({})
      .sort({ createdAt: -1 })
      .skip((page - 1) * limit)
      .limit(limit)
      .toArray();

    // TODO(5): an exact count reads every document on every request. Return an estimate from
    // the collection's metadata instead, as `estimatedTotal`.
    const total = await messages.countDocuments({});

    res.json({ items: docs.map(toMessageJson), page, limit, total });
  };
}
