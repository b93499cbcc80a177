// Page cursors. A cursor tells the server where the previous page ended, so the next query can
// start right there instead of skipping over everything before it.
//
// Format: "<payload>.<signature>", where payload is base64url(JSON {"t": ms, "id": hex}) and
// signature is its HMAC. The client treats the whole thing as an opaque string. The signature
// makes that opacity real: an edited, invented or other-server cursor fails the check, so we
// are free to change the payload later and never run a query built from a forged position.
import { ObjectId } from "mongodb";
import { z } from "zod";
import { hasValidSignature, sign } from "./signing.ts";

/** Where a page ended: the sort key of its last message (newest first, _id breaks ties). */
export interface CursorPosition {
  createdAt: Date;
  id: ObjectId;
}

// Real cursors are well under 200 characters; refusing longer input early bounds the work
// an attacker can make us do per request.
const MAX_CURSOR_LENGTH = 200;
// base64url payload, a dot, and a 43-character base64url SHA-256 HMAC.
const CURSOR_SHAPE = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

// Exactly these two fields with exactly these types; strictObject rejects extra keys.
const payloadSchema = z.strictObject({
  t: z.number().int().min(-8.64e15).max(8.64e15), // the range a JavaScript Date can hold
  id: z.string().regex(/^[0-9a-f]{24}$/),
});

export function encodeCursor(position: CursorPosition, secret: string): string {
  const json = JSON.stringify({ t: position.createdAt.getTime(), id: position.id.toHexString() });
  const payload = Buffer.from(json, "utf8").toString("base64url");
  return `${payload}.${sign(payload, secret)}`;
}

/** The position inside a cursor this server issued, or undefined for anything else. */
export function decodeCursor(value: unknown, secret: string): CursorPosition | undefined {
  // Query strings can carry arrays (?after=a&after=b) and objects (?after[$gt]=); only a string is a cursor.
  if (typeof value !== "string" || value.length > MAX_CURSOR_LENGTH) return undefined;
  const match = CURSOR_SHAPE.exec(value);
  if (!match) return undefined;
  const [, payload = "", signature = ""] = match;
  // Check the signature before parsing anything: unsigned input never reaches JSON.parse.
  if (!hasValidSignature(payload, signature, secret)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  // Even a correctly signed payload is validated: after a secret leak or a format change we
  // would rather answer 400 than run a query with a value of the wrong type.
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return { createdAt: new Date(parsed.data.t), id: ObjectId.createFromHexString(parsed.data.id) };
}
