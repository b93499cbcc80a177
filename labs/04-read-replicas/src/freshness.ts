import type { Request } from "express";

/**
 * The read-your-writes marker. After a write the app sets this cookie to the write time
 * (milliseconds since the epoch); a later read that carries a recent value goes to the primary.
 * A cookie keeps the app stateless: any instance behind the load balancer can read it.
 */
export const LAST_WRITE_COOKIE = "last-write";

/**
 * How long after a write the writer's reads stay on the primary. It must be longer than the
 * worst replication lag you expect (the embedded replica set lags 300 ms; real sets usually
 * lag milliseconds, but seconds under load or during an index build).
 */
export const DEFAULT_READ_YOUR_WRITES_WINDOW_MS = 5000;

/** The write time carried by the request's marker cookie, or undefined if absent or garbled. */
export function lastWriteAt(req: Request): number | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name !== LAST_WRITE_COOKIE) continue;
    // Only digits are valid, so there is nothing to decode (decodeURIComponent could throw).
    const raw = rest.join("=").trim();
    const value = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  }
  return undefined;
}
