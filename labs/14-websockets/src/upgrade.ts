// Who may open the feed: checked on the HTTP upgrade request, before any socket exists.
import type http from "node:http";
import type { Duplex } from "node:stream";
import type { UpgradeContext } from "./contracts.ts";
import { parseLastId } from "./feed.ts";
import { rejectUpgrade } from "./reply.ts";

export async function handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, ctx: UpgradeContext): Promise<void> {
  void head;
  // TODO(3): anyone can open the feed: check, on this HTTP request and before any socket exists, that
  // it comes from a page on config.allowedOrigins (else 403) and carries a valid session (else 401;
  // 503 when the session store cannot say). README step 3 has the details.
  const lastId = parseLastId(new URL(req.url ?? "/", "http://localhost").searchParams.get("lastId"));
  if (!lastId.ok) return rejectUpgrade(socket, 400, lastId.error);
  ctx.accept("anonymous", lastId.id);
}
