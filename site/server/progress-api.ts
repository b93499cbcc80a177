import type { IncomingMessage, ServerResponse } from "node:http";
import { listLabs } from "../../kit/labs.ts";
import { labState, readProgress, type LabState } from "../../kit/progress.ts";

export interface ProgressResponse {
  /** Every lab in labs/, in course order, with its state from .workbook/progress.json. */
  labs: Record<string, LabState>;
}

/** Read through the kit: the same schema and the same rules as `npm run lab`. */
export async function currentProgress(labsRoot: string, progressRoot: string): Promise<ProgressResponse> {
  const [labs, progress] = await Promise.all([
    listLabs(labsRoot),
    readProgress(progressRoot, (message) => console.warn(message)),
  ]);
  return { labs: Object.fromEntries(labs.map((lab) => [lab.id, labState(progress.labs[lab.id])])) };
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
};

/** GET /api/progress. Anything else on /api/ is a JSON error, never an HTML page. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, labsRoot: string, progressRoot: string): Promise<void> {
  const { pathname } = new URL(req.url ?? "/", "http://localhost");
  if (pathname !== "/api/progress") return sendJson(res, 404, { error: `No API at ${pathname}; the only one is GET /api/progress.` });
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return sendJson(res, 405, { error: "Use GET /api/progress." });
  }
  try {
    sendJson(res, 200, await currentProgress(labsRoot, progressRoot));
  } catch (error) {
    sendJson(res, 500, { error: `Could not read lab progress: ${(error as Error).message}` });
  }
}
