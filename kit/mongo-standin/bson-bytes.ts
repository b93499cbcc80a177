// Reading a document's BSON bytes without decoding the whole document: enough to find its `_id`
// (records.ts then moves it to the front), which is all an insert into a collection without
// secondary indexes needs. Decoding 100,000 incoming documents into objects only to encode them again for
// storage was most of an insertMany's time and memory.
import { BSON, ObjectId } from 'bson';

/** Bytes taken by the value of an element of `type` starting at `at`, or -1 for a type this reader does not know. */
function valueSize(bytes: Buffer, type: number, at: number): number {
  switch (type) {
    case 0x01: case 0x09: case 0x11: case 0x12: return 8; // double, date, timestamp, int64
    case 0x02: case 0x0d: case 0x0e: return 4 + bytes.readInt32LE(at); // string, code, symbol
    case 0x03: case 0x04: case 0x0f: return bytes.readInt32LE(at); // document, array, code with scope
    case 0x05: return 5 + bytes.readInt32LE(at); // binary: length, subtype, data
    case 0x06: case 0x0a: case 0xff: case 0x7f: return 0; // undefined, null, minKey, maxKey
    case 0x07: return 12; // ObjectId
    case 0x08: return 1; // bool
    case 0x10: return 4; // int32
    case 0x13: return 16; // decimal128
    case 0x0b: { // regex: two C strings
      const end = bytes.indexOf(0, bytes.indexOf(0, at) + 1);
      return end < 0 ? -1 : end + 1 - at;
    }
    case 0x0c: return 4 + bytes.readInt32LE(at) + 12; // DBPointer
    default: return -1;
  }
}

export interface IdElement {
  /** The decoded `_id` value. */
  id: unknown;
  start: number;
  end: number;
}

/**
 * Finds the top-level `_id` element. Returns undefined when there is none, and null when the bytes
 * are not a plain well-formed document (the caller then decodes it, which reports the problem).
 */
export function findId(bytes: Buffer): IdElement | undefined | null {
  if (bytes.length < 5 || bytes.readInt32LE(0) !== bytes.length || bytes[bytes.length - 1] !== 0) return null;
  let at = 4;
  while (at < bytes.length - 1) {
    const start = at;
    const type = bytes[at]!;
    const nameEnd = bytes.indexOf(0, at + 1);
    if (nameEnd < 0) return null;
    const size = valueSize(bytes, type, nameEnd + 1);
    const end = nameEnd + 1 + size;
    if (size < 0 || end > bytes.length - 1) return null;
    if (nameEnd - start === 4 && bytes[start + 1] === 0x5f && bytes[start + 2] === 0x69 && bytes[start + 3] === 0x64) {
      return { id: decodeElement(bytes, start, end), start, end };
    }
    at = end;
  }
  return at === bytes.length - 1 ? undefined : null;
}

/** Decodes one element's value: the common types directly, others by wrapping it in a document of its own. */
function decodeElement(bytes: Buffer, start: number, end: number): unknown {
  const value = bytes.indexOf(0, start + 1) + 1;
  switch (bytes[start]) {
    case 0x07: return new ObjectId(bytes.subarray(value, value + 12));
    case 0x02: return bytes.toString('utf8', value + 4, end - 1);
    case 0x10: return bytes.readInt32LE(value);
    case 0x01: return bytes.readDoubleLE(value);
    case 0x08: return bytes[value] === 1;
    case 0x0a: return null;
    case 0x09: return new Date(bytes.readInt32LE(value + 4) * 2 ** 32 + bytes.readUInt32LE(value));
  }
  const doc = Buffer.allocUnsafe(end - start + 5);
  doc.writeInt32LE(doc.length, 0);
  bytes.copy(doc, 4, start, end);
  doc[doc.length - 1] = 0;
  return Object.values(BSON.deserialize(doc))[0];
}

/** A field name and its UTF-8 bytes, compared with stored element names without making strings. */
export interface FieldName { name: string; bytes: Buffer }

export function encodeNames(names: Iterable<string>): FieldName[] {
  return [...names].map((name) => ({ name, bytes: Buffer.from(name, 'utf8') }));
}

/**
 * The named top-level fields of a document, decoded into a small object: what a filter needs to
 * be tested against a stored document without decoding the rest (a collection scan's main cost).
 * Returns undefined when the bytes are not a plain well-formed document.
 */
export function pickFields(bytes: Buffer, names: readonly FieldName[]): Record<string, unknown> | undefined {
  const picked: Record<string, unknown> = {};
  let at = 4;
  while (at < bytes.length - 1) {
    const start = at;
    const nameEnd = bytes.indexOf(0, at + 1);
    if (nameEnd < 0) return undefined;
    const valueBytes = valueSize(bytes, bytes[at]!, nameEnd + 1);
    if (valueBytes < 0) return undefined;
    at = nameEnd + 1 + valueBytes;
    const length = nameEnd - start - 1;
    for (const { name, bytes: wanted } of names) {
      if (wanted.length === length && bytes.compare(wanted, 0, length, start + 1, nameEnd) === 0) {
        picked[name] = decodeElement(bytes, start, at);
        break;
      }
    }
  }
  return picked;
}
