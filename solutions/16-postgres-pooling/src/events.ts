import type { Database } from "./db.ts";

export interface EventSummary {
  id: number;
  name: string;
  capacity: number;
  booked: number;
  remaining: number;
}

export interface Booking {
  id: number;
  eventId: number;
  name: string;
  /** When it was booked, in the requester's time zone (UTC when they gave none), e.g. 2026-05-01T14:03:09+02:00. */
  bookedAt: string;
}

export class SoldOut extends Error {
  override name = "SoldOut";
}
export class NoSuchEvent extends Error {
  override name = "NoSuchEvent";
}
export class AlreadyRunning extends Error {
  override name = "AlreadyRunning";
}

/** First key of the advisory locks this app takes; the event id is the second. */
const reminderLocks = 16_001;

export async function getEvent(db: Database, id: number): Promise<EventSummary | undefined> {
  // An unnamed statement: a named one is prepared on one server connection, and behind PgBouncer
  // in transaction mode the next execution may run on another that never saw it.
  const { rows } = await db.query<{ id: number; name: string; capacity: number; booked: number }>(
    `SELECT e.id, e.name, e.capacity, count(b.id)::integer AS booked
       FROM events e LEFT JOIN bookings b ON b.event_id = e.id
      WHERE e.id = $1
      GROUP BY e.id`,
    [id],
  );
  const row = rows[0];
  return row && { ...row, remaining: row.capacity - row.booked };
}

export async function book(db: Database, eventId: number, name: string, timeZone: string | undefined): Promise<Booking> {
  return db.transaction(async (client) => {
    // Local to this transaction: the next request on this connection (or on this PgBouncer
    // server connection) starts from the server's default again. Always set, because the
    // server's default is not necessarily UTC.
    await client.query("SELECT set_config('TimeZone', $1, true)", [timeZone ?? "UTC"]);
    const event = await client.query<{ capacity: number }>("SELECT capacity FROM events WHERE id = $1 FOR UPDATE", [eventId]);
    const capacity = event.rows[0]?.capacity;
    if (capacity === undefined) throw new NoSuchEvent();
    const taken = await client.query<{ n: number }>("SELECT count(*)::integer AS n FROM bookings WHERE event_id = $1", [eventId]);
    if ((taken.rows[0]?.n ?? 0) >= capacity) throw new SoldOut();
    const inserted = await client.query<{ id: string; booked_at: string }>(
      `INSERT INTO bookings (event_id, name) VALUES ($1, $2)
       RETURNING id, to_char(booked_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') AS booked_at`,
      [eventId, name],
    );
    // Delivered to listeners only when this transaction commits.
    await client.query("SELECT pg_notify('event_changed', $1)", [String(eventId)]);
    const row = inserted.rows[0]!;
    return { id: Number(row.id), eventId, name, bookedAt: row.booked_at };
  });
}

/**
 * Hand a reminder for every booking of the event not yet reminded to the mailer (a row in
 * reminders_sent each), at most one run per event at a time. Returns how many were handed over.
 */
export async function remind(db: Database, eventId: number): Promise<number> {
  return db.transaction(async (client) => {
    // A transaction-level lock ends with the transaction, on the connection that took it. A session
    // lock taken through PgBouncer stays on a server connection the next statement may not get.
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1, $2) AS locked", [reminderLocks, eventId]);
    if (!rows[0]?.locked) throw new AlreadyRunning();
    const due = await client.query<{ id: string }>("SELECT id FROM bookings WHERE event_id = $1 AND NOT reminded ORDER BY id", [eventId]);
    const ids = due.rows.map((row) => row.id);
    for (const id of ids) await client.query("INSERT INTO reminders_sent (booking_id) VALUES ($1)", [id]);
    await client.query("UPDATE bookings SET reminded = true WHERE id = ANY($1::bigint[])", [ids]);
    return ids.length;
  });
}
