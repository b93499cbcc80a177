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
  // TODO(2): make sure the index that serves the page order of TODO(4) exists before this
  // resolves (createApp awaits it before the server listens). It runs at every start-up.
  void messages;
}

export function listMessages({ messages }: MessagesDeps): RequestHandler {
  return async (req, res) => {
    // TODO(1): the server decides the page size. The README's step 1 gives the exact rule for
    // every string a client can send (and the tests try all of them); the database must never be
    // asked for more than one page plus one document.
    const limit = Math.max(1, Math.floor(Number(req.query.limit)) || 20);
    const page = Math.max(1, Math.floor(Number(req.query.page)) || 1);

    // TODO(4): replace page/skip with a cursor: a total order, the page that starts right after
    // the position in ?after= (a 400 when it does not decode), and `next`, null on the last page.
    const docs = await messages
      .find({})
      .sort({ createdAt: -1 })
      .skip((page - 1) * limit)
      .limit(limit)
      .toArray();

    // TODO(5): an exact count reads every document on every request. Report an estimate that
    // MongoDB keeps in the collection's metadata instead, as `estimatedTotal`.
    const total = await messages.countDocuments({});

    res.json({ items: docs.map(toMessageJson), page, limit, total });
  };
}
