import type pg from "pg";

/** The tables, and a few events to book. Safe to run twice. */
export async function createSchema(client: pg.ClientBase, events = 50): Promise<void> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS events (
      id integer PRIMARY KEY,
      name text NOT NULL,
      capacity integer NOT NULL CHECK (capacity >= 0)
    );
    CREATE TABLE IF NOT EXISTS bookings (
      id bigserial PRIMARY KEY,
      event_id integer NOT NULL REFERENCES events (id),
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
      booked_at timestamptz NOT NULL DEFAULT now(),
      reminded boolean NOT NULL DEFAULT false
    );
    CREATE INDEX IF NOT EXISTS bookings_by_event ON bookings (event_id);
    -- One row per reminder handed to the mail provider: a booking listed twice was reminded twice.
    CREATE TABLE IF NOT EXISTS reminders_sent (
      booking_id bigint NOT NULL REFERENCES bookings (id),
      sent_at timestamptz NOT NULL DEFAULT now()
    );
  `);
  await client.query(
    `INSERT INTO events (id, name, capacity)
     SELECT n, 'Event ' || n, 100 FROM generate_series(1, $1::integer) AS n
     ON CONFLICT (id) DO NOTHING`,
    [events],
  );
}
