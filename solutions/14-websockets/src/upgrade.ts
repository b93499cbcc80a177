// Who may open the feed: checked on the HTTP upgrade request, before any socket exists.
import type http from "node:http";
import type { Duplex } from "node:stream";
import type { UpgradeContext } from "./contracts.ts";
import { parseLastId } from "./feed.ts";
import { rejectUpgrade } from "./reply.ts";

export async function handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, ctx: UpgradeContext): Promise<void> {
  void head;
  // Any site's page can open a socket to us with our cookie; Origin tells our pages from the others.
  // Exact match: no prefix, no substring.
  const origin = req.headers.origin;
  if (origin === undefined || !ctx.config.allowedOrigins.includes(origin)) return rejectUpgrade(socket, 403, "this origin may not open the feed");
  let user: string | null;
  try {
    user = await ctx.sessions.userFor(req.headers.cookie);
  } catch {
    return rejectUpgrade(socket, 503, "the session store is unavailable; try again");
  }
  if (user === null) return rejectUpgrade(socket, 401, "log in first: no valid session cookie");
  const lastId = parseLastId(new URL(req.url ?? "/", "http://localhost").searchParams.get("lastId"));
  if (!lastId.ok) return rejectUpgrade(socket, 400, lastId.error);
  ctx.accept(user, lastId.id);
}
