import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { benchHistoryFile } from "../../kit/bench/history.ts";
import { findLab, scanLabs } from "../../kit/labs.ts";
import { hintWriteSchema, labState, mergeHints, readProgress, stepStates, updateLabProgress, type LabState } from "../../kit/progress.ts";
import type { StepState } from "../../kit/step-states.ts";
import { stepsOfLab } from "../../kit/runner/steps.ts";
import { benchResponse } from "./bench-api.ts";

export type LabProgressView = LabState & {
  /** Rungs revealed per step, the same count `lab hint` reads and writes. */
  hintsShown: number[];
  /** Where this lab's damaged entry was moved, when it was; the page says so. */
  setAside: string | null;
  /** Each step's state in the last run (pass, fail, not run), when it recorded steps and the lab was not reset since. */
  steps?: StepState[];
};

export interface ProgressResponse {
  /** Every lab in labs/, in course order, with its state from .workbook/progress.json. */
  labs: Record<string, LabProgressView>;
  /** Where an unreadable progress file was moved, when it was; every lab page says so. */
  setAside: string | null;
  /** Labs with a saved bench history (.workbook/bench/<id>.json), whose page asks GET /api/bench/<id> for its charts. */
  benched: string[];
}

/** The largest hint write accepted, in bytes: a real one is well under 200. */
export const maxBodyBytes = 4096;

/**
 * Read through the kit: the same schema and the same rules as `npm run lab`. As in the CLI, a lab folder
 * whose manifest is broken (say, one being written) is left out instead of hiding every other lab's progress.
 */
export async function currentProgress(labsRoot: string, progressRoot: string): Promise<ProgressResponse> {
  const [{ labs }, progress] = await Promise.all([scanLabs(labsRoot), readProgress(progressRoot, (message) => console.warn(message))]);
  return {
    labs: Object.fromEntries(
      labs.map((lab) => {
        const entry = progress.labs[lab.id];
        const steps = stepStates(entry);
        const view: LabProgressView = { ...labState(entry), hintsShown: entry?.hintsShown ?? [], setAside: entry?.setAside ?? null, ...(steps.length > 0 ? { steps } : {}) };
        return [lab.id, view];
      }),
    ),
    setAside: progress.setAside,
    benched: (await Promise.all(labs.map(async (lab) => ((await stat(benchHistoryFile(lab.id, progressRoot)).catch(() => null)) ? [lab.id] : [])))).flat(),
  };
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
};

class Refused extends Error {
  readonly status: 400 | 403;
  constructor(status: 400 | 403, message: string) {
    super(message);
    this.status = status;
  }
}

const isLoopback = (address: string) => /^127\./.test(address) || address === "::1" || /^::ffff:127\./.test(address);

/**
 * Any page the learner visits can send a request to localhost: a cross-site form POST, or a page on a
 * rebound DNS name that now points at 127.0.0.1. A write is accepted only when the server listens on a
 * loopback address, the Host names that address (or `localhost`, which browsers never resolve elsewhere)
 * with the bound port, and the Origin is this site itself.
 */
function checkWriter(req: IncomingMessage, bound: AddressInfo | null): void {
  if (!bound || !isLoopback(bound.address)) throw new Refused(403, "Progress can be changed only when the site is served on a loopback address (npm start's default).");
  const address = bound.family === "IPv6" || bound.address.includes(":") ? `[${bound.address}]` : bound.address;
  const hosts = new Set([`${address}:${bound.port}`, `localhost:${bound.port}`]);
  const host = req.headers.host ?? "";
  if (!hosts.has(host.toLowerCase())) throw new Refused(403, `Host "${host}" is not this server; writes are accepted only for ${[...hosts].join(" or ")}.`);
  const origin = req.headers.origin;
  if (origin !== `http://${host.toLowerCase()}`) throw new Refused(403, `Origin ${origin ? `"${origin}"` : "(none)"} is not this site; writes are accepted only from http://${host}.`);
  if (!/^application\/json(?:\s*;|$)/i.test(req.headers["content-type"] ?? "")) throw new Refused(400, "Send the body as application/json.");
}

/** The body, refused once it grows past maxBodyBytes (whatever Content-Length claims). */
async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBodyBytes) throw new Refused(400, `The body is larger than ${maxBodyBytes} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new Refused(400, `The body is larger than ${maxBodyBytes} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** POST /api/progress/hints: record rungs the learner revealed on the site, in the file `lab hint` uses. */
async function writeHints(req: IncomingMessage, res: ServerResponse, labsRoot: string, progressRoot: string, bound: AddressInfo | null): Promise<void> {
  checkWriter(req, bound);
  const text = await readBody(req);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Refused(400, "The body is not valid JSON.");
  }
  const parsed = hintWriteSchema.safeParse(raw);
  if (!parsed.success) throw new Refused(400, `The body is not a hint record: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`).join("; ")}`);
  const lab = findLab((await scanLabs(labsRoot)).labs, parsed.data.lab);
  if (!lab || lab.id !== parsed.data.lab) throw new Refused(400, `There is no lab "${parsed.data.lab}".`);
  const rungs = (stepsOfLab(lab)).map((step) => step.hints.length);
  const entry = await updateLabProgress(lab.id, (e) => ({ ...e, hintsShown: mergeHints(e.hintsShown, parsed.data.hintsShown, rungs) }), progressRoot, (m) => console.warn(m));
  sendJson(res, 200, { lab: lab.id, hintsShown: entry.hintsShown });
}

/**
 * GET /api/progress, POST /api/progress/hints from the site's own pages, and GET /api/bench/<lab-id> (bench-api.ts). Anything else on /api/ is a
 * JSON error, never an HTML page. `bound` is the address the server listens on.
 */
export async function handleApi(req: IncomingMessage, res: ServerResponse, labsRoot: string, progressRoot: string, bound: AddressInfo | null = null): Promise<void> {
  const { pathname } = new URL(req.url ?? "/", "http://localhost");
  try {
    if (pathname === "/api/progress/hints") {
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        return sendJson(res, 405, { error: "Use POST /api/progress/hints with a JSON body." });
      }
      return await writeHints(req, res, labsRoot, progressRoot, bound);
    }
    const bench = /^\/api\/bench\/([^/]+)$/.exec(pathname);
    if (bench) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("allow", "GET, HEAD");
        return sendJson(res, 405, { error: "Use GET /api/bench/<lab-id>." });
      }
      const { status, body } = await benchResponse(bench[1]!, labsRoot, progressRoot);
      return sendJson(res, status, body);
    }
    if (pathname !== "/api/progress") return sendJson(res, 404, { error: `No API at ${pathname}; there are GET /api/progress, POST /api/progress/hints and GET /api/bench/<lab-id>.` });
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return sendJson(res, 405, { error: "Use GET /api/progress." });
    }
    sendJson(res, 200, await currentProgress(labsRoot, progressRoot));
  } catch (error) {
    if (error instanceof Refused) {
      // An unread body would otherwise keep the socket busy; this answer ends the exchange.
      res.setHeader("connection", "close");
      return sendJson(res, error.status, { error: error.message });
    }
    sendJson(res, 500, { error: `Could not read or write lab progress: ${(error as Error).message}` });
  }
}
