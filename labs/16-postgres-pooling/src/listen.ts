import pg from "pg";
import type { Config } from "./config.ts";

/** What the listener reports: one event changed, or "all" when notifications may have been missed. */
export type Change = number | "all";

/**
 * Hear about bookings made on any instance (NOTIFY event_changed, '<event id>') and report them.
 */
export function listenForChanges(config: Config, onChange: (change: Change) => void): { close(): Promise<void> } {
  // TODO(4): which connection hears a notification, and what happens when it is lost (README, step 4)?
  const client = new pg.Client({ connectionString: config.databaseUrl });
  client.on("notification", (message) => onChange(Number(message.payload)));
  void client.connect().then(() => client.query("LISTEN event_changed"));
  return { close: () => client.end() };
}
