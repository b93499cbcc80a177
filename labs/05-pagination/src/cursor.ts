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

// TODO(3): write encodeCursor and decodeCursor (README, step 3, states the exact format).
// - encodeCursor: the position as a string a URL carries unescaped, with a signature from
//   ./signing.ts so the server can later tell its own cursors from edited or invented ones.
// - decodeCursor: accept only what encodeCursor could have produced with this secret, and treat
//   even a correctly signed payload as input to validate. Anything else: undefined, never a throw.

export function encodeCursor(position: CursorPosition, secret: string): string {
  throw new Error(`TODO(3): encodeCursor is not written yet (position ${position.id}, secret of ${secret.length} characters)`);
}

/** The position inside a cursor this server issued, or undefined for anything else. */
export function decodeCursor(value: unknown, secret: string): CursorPosition | undefined {
  throw new Error(`TODO(3): decodeCursor is not written yet (got ${typeof value}, secret of ${secret.length} characters)`);
}
