import express, { type ErrorRequestHandler, type Express } from "express";
import { SummaryCache } from "./cache.ts";
import type { Database } from "./db.ts";
import { classify } from "./errors.ts";
import { AlreadyRunning, book, getEvent, NoSuchEvent, remind, SoldOut, type EventSummary } from "./events.ts";

const idPattern = /^[1-9][0-9]{0,8}$/;
// An IANA zone name such as Europe/Oslo or America/Argentina/Buenos_Aires; PostgreSQL decides whether it exists.
const zonePattern = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** Build the API on top of a Database (src/db.ts) and this instance's cache of event summaries. */
export function createApp(db: Database, cache: SummaryCache<EventSummary>): Express {
  const app = express();
  app.use(express.json({ limit: "4kb" }));

  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });

  app.get("/events/:id", async (req, res) => {
    const id = eventId(req.params.id);
    if (id === undefined) return void res.status(400).json({ error: "an event id is a whole number from 1" });
    const cached = cache.get(id);
    if (cached) return void res.set("X-Cache", "hit").json(cached);
    const summary = await getEvent(db, id);
    if (!summary) return void res.status(404).json({ error: "no such event" });
    cache.set(id, summary);
    res.set("X-Cache", "miss").json(summary);
  });

  app.post("/events/:id/bookings", async (req, res) => {
    const id = eventId(req.params.id);
    if (id === undefined) return void res.status(400).json({ error: "an event id is a whole number from 1" });
    const name: unknown = req.body?.name;
    if (typeof name !== "string") return void res.status(400).json({ error: 'send {"name": "..."} as JSON' });
    const zone = req.get("X-Time-Zone");
    if (zone !== undefined && !zonePattern.test(zone)) return void res.status(400).json({ error: "X-Time-Zone must be an IANA zone name such as Europe/Oslo" });
    try {
      res.status(201).json(await book(db, id, name, zone));
    } catch (error) {
      if (error instanceof SoldOut) return void res.status(409).json({ error: "sold out" });
      if (error instanceof NoSuchEvent) return void res.status(404).json({ error: "no such event" });
      throw error;
    }
  });

  app.post("/events/:id/reminders", async (req, res) => {
    const id = eventId(req.params.id);
    if (id === undefined) return void res.status(400).json({ error: "an event id is a whole number from 1" });
    try {
      res.json({ sent: await remind(db, id) });
    } catch (error) {
      if (error instanceof AlreadyRunning) return void res.status(409).json({ error: "reminders for this event are being sent right now" });
      throw error;
    }
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });
  app.use(errorHandler);
  return app;
}

function eventId(raw: string | undefined): number | undefined {
  return raw !== undefined && idPattern.test(raw) ? Number(raw) : undefined;
}

const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if ((error as { type?: string }).type === "entity.parse.failed") return void res.status(400).json({ error: "the body is not valid JSON" });
  const message = error instanceof Error ? error.message : String(error);
  switch (classify(error)) {
    case "unavailable":
      // Busy or unreachable: refuse quickly and say when to come back, instead of holding the request.
      console.error(`database unavailable: ${message}`);
      return void res.status(503).set("Retry-After", "1").json({ error: "the database is busy; try again shortly" });
    case "bad-input":
      return void res.status(400).json({ error: `the database refused the request: ${message}` });
    default:
      console.error(error);
      res.status(500).json({ error: "internal error" });
  }
};
