// What the MongoDB governor reads and rewrites on the wire. It looks at a message's 16-byte header
// (messageLength, requestID, responseTo, opCode) and, for a request, at the name of its command (the
// first field of the command document); it decodes whole documents only for the handshake (`hello`,
// legacy `isMaster`), whose requests and replies it rewrites. Framing is the stand-in's (FrameSplitter).
import { BSON, type Document } from "bson";
import { CHECKSUM_PRESENT, FrameError, HEADER_BYTES, MORE_TO_COME, OP_MSG, OP_QUERY, OP_REPLY, encodeReply } from "../mongo-standin/framing.ts";

/** The commands that open a connection or monitor a server: the driver's handshake and heartbeat. */
export const HELLO_COMMANDS: ReadonlySet<string> = new Set(["hello", "isMaster", "ismaster"]);

export interface Header {
  requestId: number;
  responseTo: number;
  opCode: number;
}

export const readHeader = (frame: Buffer): Header => ({ requestId: frame.readInt32LE(4), responseTo: frame.readInt32LE(8), opCode: frame.readInt32LE(12) });

/** Where a message's command (or reply) document starts; undefined for an opCode without one (OP_COMPRESSED). */
function documentAt(frame: Buffer, opCode: number): number | undefined {
  if (opCode === OP_REPLY) return HEADER_BYTES + 20; // responseFlags, cursorID (int64), startingFrom, numberReturned
  if (opCode === OP_QUERY) {
    const nameEnd = frame.indexOf(0, HEADER_BYTES + 4); // flags, then the collection name as a C string
    if (nameEnd < 0) throw new FrameError("OP_QUERY without a collection name");
    return nameEnd + 1 + 8; // numberToSkip, numberToReturn
  }
  if (opCode !== OP_MSG) return undefined;
  // OP_MSG: flagBits, then sections; kind 0 is the command document, kind 1 a document sequence.
  const end = frame.length - (frame.readUInt32LE(HEADER_BYTES) & CHECKSUM_PRESENT ? 4 : 0);
  let at = HEADER_BYTES + 4;
  while (at + 5 <= end) {
    if (frame[at] === 0) return at + 1;
    at += 1 + frame.readInt32LE(at + 1);
  }
  throw new FrameError("OP_MSG without a body section");
}

/** The bytes of the document at `at`, checked against the message's end. */
function documentBytes(frame: Buffer, at: number): Buffer {
  const size = at + 4 <= frame.length ? frame.readInt32LE(at) : -1;
  if (size < 5 || at + size > frame.length) throw new FrameError("a document overruns its message");
  return frame.subarray(at, at + size);
}

/**
 * The command a request carries: the name of the first field of its command document (OP_MSG) or
 * query (OP_QUERY, unwrapping `$query`); undefined for any other opCode.
 */
export function commandName(frame: Buffer, opCode: number): string | undefined {
  if (opCode !== OP_MSG && opCode !== OP_QUERY) return undefined;
  const doc = documentBytes(frame, documentAt(frame, opCode)!);
  if (opCode === OP_QUERY) {
    const query = BSON.deserialize(doc);
    const command = query.$query && typeof query.$query === "object" ? (query.$query as Document) : query;
    return Object.keys(command)[0];
  }
  // A BSON element is a type byte, then its name as a C string: the first one starts 4 bytes in.
  if (doc.length === 5) return undefined;
  return doc.toString("utf8", 5, doc.indexOf(0, 5));
}

/** The message with the document at its command/reply position replaced by `edit(document)`. */
function withDocument(frame: Buffer, opCode: number, edit: (doc: Document) => Document): { frame: Buffer; doc: Document } {
  const at = documentAt(frame, opCode)!;
  const old = documentBytes(frame, at);
  const doc = BSON.deserialize(old);
  const replacement = BSON.serialize(edit(doc));
  // A CRC-32C over the old bytes would be wrong now: drop it and its flag (it is optional).
  const checksummed = opCode === OP_MSG && (frame.readUInt32LE(HEADER_BYTES) & CHECKSUM_PRESENT) !== 0;
  const tailEnd = frame.length - (checksummed ? 4 : 0);
  const out = Buffer.concat([frame.subarray(0, at), replacement, frame.subarray(at + old.length, tailEnd)]);
  out.writeInt32LE(out.length, 0);
  if (checksummed) out.writeUInt32LE(out.readUInt32LE(HEADER_BYTES) & ~CHECKSUM_PRESENT, HEADER_BYTES);
  return { frame: out, doc };
}

/**
 * A hello request without its `compression` list: the server then agrees to no compressor and the
 * driver never sends OP_COMPRESSED, whose command names the governor could not read.
 */
export function helloWithoutCompression(frame: Buffer, opCode: number): Buffer {
  return withDocument(frame, opCode, (doc) => {
    const target = doc.$query && typeof doc.$query === "object" ? (doc.$query as Document) : doc;
    delete target.compression;
    return doc;
  }).frame;
}

/** True when an OP_MSG reply announces further replies to the same request (the streaming hello). */
export const moreToCome = (frame: Buffer, opCode: number): boolean => opCode === OP_MSG && (frame.readUInt32LE(HEADER_BYTES) & MORE_TO_COME) !== 0;

export type MemberRole = "primary" | "secondary" | "arbiter" | "standalone" | "mongos" | "other" | "unknown";

/** What a member is, by its hello reply. */
export function roleOf(hello: Document): MemberRole {
  if (hello.ok !== 1 && hello.ok !== 1.0) return "unknown";
  if (hello.msg === "isdbgrid") return "mongos";
  if (hello.setName === undefined) return "standalone";
  if (hello.isWritablePrimary === true || hello.ismaster === true) return "primary";
  if (hello.secondary === true) return "secondary";
  if (hello.arbiterOnly === true) return "arbiter";
  return "other";
}

/**
 * A hello reply as the client must see it: every member address (`hosts`, `passives`, `arbiters`,
 * `primary`, `me`) replaced by the governor's listener for that member, so the driver discovers the
 * set through the governor and never connects around it. An address the governor has no listener
 * for is left out, for the same reason. `compression` goes too (see helloWithoutCompression).
 */
export function rewriteHelloReply(frame: Buffer, opCode: number, addresses: ReadonlyMap<string, string>): { frame: Buffer; role: MemberRole } {
  const mapped = (address: unknown) => (typeof address === "string" ? addresses.get(address.toLowerCase()) : undefined);
  let role: MemberRole = "unknown";
  const rewritten = withDocument(frame, opCode, (doc) => {
    role = roleOf(doc);
    for (const field of ["hosts", "passives", "arbiters"]) {
      if (Array.isArray(doc[field])) doc[field] = doc[field].map(mapped).filter((a): a is string => a !== undefined);
    }
    for (const field of ["primary", "me"]) {
      if (doc[field] === undefined) continue;
      const address = mapped(doc[field]);
      if (address === undefined) delete doc[field];
      else doc[field] = address;
    }
    delete doc.compression;
    return doc;
  });
  return { frame: rewritten.frame, role };
}

/**
 * The reply a request gets when the budget sheds it: MongoDB 8.2's own overload error (the ingress
 * request rate limiter's), labelled so that a driver implementing the client backpressure spec (the
 * Node driver 7.x does) backs off and retries it, on another member where it can.
 */
export function overloadReply(request: Header, message: string): Buffer {
  return encodeReply({ requestId: request.requestId, legacy: request.opCode === OP_QUERY, moreToCome: false, command: {} }, {
    ok: 0,
    errmsg: message,
    code: 462,
    codeName: "IngressRequestRateLimitExceeded",
    errorLabels: ["SystemOverloadedError", "RetryableError"],
  });
}
