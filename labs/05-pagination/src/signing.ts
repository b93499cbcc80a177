// HMAC signatures for values the server hands to clients and later gets back (like page cursors).
// A signature lets the server tell "a value I issued" from "a value someone edited or invented",
// without storing anything: any instance that knows the secret can check it.
import { createHmac, timingSafeEqual } from "node:crypto";

/** The base64url HMAC-SHA256 of `text` under `secret`. */
export function sign(text: string, secret: string): string {
  return createHmac("sha256", secret).update(text).digest("base64url");
}

/** True when `signature` is exactly what `sign(text, secret)` returns. */
export function hasValidSignature(text: string, signature: string, secret: string): boolean {
  const expected = Buffer.from(sign(text, secret));
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; comparing in constant time stops an attacker from
  // learning the signature one byte at a time from response times.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
