// Page cursors. A cursor tells the server where the previous page ended, so the next query can
// start right there instead of skipping over everything before it.
//
// To the client a cursor is an opaque string: it copies `next` into `?after=` and never looks
// inside. Keeping it opaque (and signed) means the server can change what is inside later.
import type { ObjectId } from "mongodb";

/** Where a page ended: the sort key of its last message (newest first, _id breaks ties). */
export interface CursorPosition {
  createdAt: Date;
  id: ObjectId;
}

// TODO(3): write encodeCursor and decodeCursor.
// - encodeCursor: put the position into a string a URL can carry unescaped (e.g. base64url of
//   JSON like {"t": <ms since epoch>, "id": "<24 hex chars>"}) and append a signature made with
//   sign() from ./signing.ts, e.g. "<payload>.<signature>".
// - decodeCursor: return the position only when the value is a string in exactly that format,
//   the signature matches (hasValidSignature), and the JSON inside has the right fields and
//   types (validate it with a strict zod schema). For anything else return undefined; the
//   handler turns that into a 400.

export function encodeCursor(position: CursorPosition, secret: string): string {
  throw new Error(`TODO(3): encodeCursor is not written yet (position ${position.id}, secret of ${secret.length} characters)`);
}

/** The position inside a cursor this server issued, or undefined for anything else. */
export function decodeCursor(value: unknown, secret: string): CursorPosition | undefined {
  throw new Error(`TODO(3): decodeCursor is not written yet (got ${typeof value}, secret of ${secret.length} characters)`);
}
