import pg from "pg";
import type { Config } from "./config.ts";

/** What the listener reports: one event changed, or "all" when notifications may have been missed. */
export type Change = number | "all";

const firstRetryMs = 100;
const maxRetryMs = 5_000;

/**
 * Hear about bookings made on any instance (NOTIFY event_changed, '<event id>') and report them.
 * LISTEN belongs to a session, so it gets a connection of its own, straight to PostgreSQL: behind
 * PgBouncer in transaction mode the session that ran LISTEN is handed to other clients, and the
 * notifications go nowhere. It is not taken from the pool either, where it would hold a query slot.
 */
export function listenForChanges(config: Config, onChange: (change: Change) => void): { close(): Promise<void> } {
  let client: pg.Client | undefined;
  let closed = false;
  let retryMs = firstRetryMs;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    const next = new pg.Client({ connectionString: config.directUrl, application_name: "bookings-listener" });
    client = next;
    next.on("notification", (message) => {
      const id = Number(message.payload);
      onChange(Number.isInteger(id) && id > 0 ? id : "all");
    });
    // A lost connection: error then end, or end alone. Either way, start again after a pause.
    next.on("error", () => {});
    next.on("end", () => {
      if (client === next) retry();
    });
    try {
      await next.connect();
      await next.query("LISTEN event_changed");
      retryMs = firstRetryMs;
      // Anything may have changed while nobody was listening.
      onChange("all");
    } catch (error) {
      console.error(`listener: ${(error as Error).message}`);
      await next.end().catch(() => {});
      if (client === next) retry();
    }
  };

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, maxRetryMs);
  };

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
