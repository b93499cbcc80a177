// The wire protocol: cutting a TCP byte stream into messages and encoding replies.
// OP_MSG carries every command; legacy OP_QUERY survives only because drivers open with a
// legacy `isMaster` before they know the server speaks OP_MSG.
import { BSON } from 'bson';
import { CommandError, type Doc } from './errors.ts';

export const MAX_MESSAGE_BYTES = 48_000_000;
export const MAX_BSON_BYTES = 16 * 1024 * 1024;
/** MongoDB allows a command body a little headroom over one maximal document. */
const MAX_BODY_BYTES = MAX_BSON_BYTES + 16 * 1024;

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const HEADER_BYTES = 16;
const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 2;
const KNOWN_FLAGS = CHECKSUM_PRESENT | MORE_TO_COME | (1 << 16);

/** A frame the stand-in cannot trust; the connection that sent it is closed. */
export class FrameError extends Error {}

export interface Request {
  requestId: number;
  legacy: boolean;
  /** The client asked for no reply (unacknowledged writes). */
  moreToCome: boolean;
  command: Doc;
  /** A well-formed message whose content breaks a limit: answered with this error, connection kept. */
  rejection?: CommandError;
}

/** Collects chunks and yields complete messages; throws FrameError on anything malformed. */
export class FrameReader {
  #chunks: Buffer[] = [];
  #buffered = 0;

  push(chunk: Buffer): Request[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: Request[] = [];
    for (;;) {
      if (this.#buffered < 4) return out;
      const head = this.#chunks[0]!.length >= 4 ? this.#chunks[0]! : this.#flatten();
      const length = head.readInt32LE(0);
      if (length < HEADER_BYTES + 5 || length > MAX_MESSAGE_BYTES) {
        throw new FrameError(`message length ${length} is outside 21..${MAX_MESSAGE_BYTES} bytes`);
      }
      if (this.#buffered < length) return out;
      const all = this.#flatten();
      const frame = all.subarray(0, length);
      const rest = all.subarray(length);
      this.#chunks = rest.length ? [rest] : [];
      this.#buffered = rest.length;
      out.push(parseFrame(frame));
    }
  }

  #flatten(): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [all];
    return all;
  }
}

function readDoc(frame: Buffer, at: number, end: number): [Doc, number] {
  if (at + 5 > end) throw new FrameError('truncated BSON document');
  const size = frame.readInt32LE(at);
  if (size < 5 || at + size > end) throw new FrameError(`BSON document of ${size} bytes overruns its message`);
  try {
    return [BSON.deserialize(frame.subarray(at, at + size)), size];
  } catch (err) {
    throw new FrameError(`invalid BSON: ${(err as Error).message}`);
  }
}

function readCString(frame: Buffer, at: number, end: number): [string, number] {
  const zero = frame.indexOf(0, at);
  if (zero < 0 || zero >= end) throw new FrameError('unterminated string');
  return [frame.toString('utf8', at, zero), zero + 1];
}

function parseFrame(frame: Buffer): Request {
  const requestId = frame.readInt32LE(4);
  const opCode = frame.readInt32LE(12);
  if (opCode === OP_MSG) return parseMsg(frame, requestId);
  if (opCode === OP_QUERY) return parseQuery(frame, requestId);
  throw new FrameError(`unsupported opCode ${opCode}`);
}

function parseMsg(frame: Buffer, requestId: number): Request {
  const flags = frame.readUInt32LE(16);
  if (flags & ~KNOWN_FLAGS & 0xffff) throw new FrameError(`unknown required OP_MSG flag bits ${flags}`);
  const end = frame.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
  let at = 20;
  let body: Doc | undefined;
  let tooLarge: string | undefined;
  const sequences: [string, Doc[]][] = [];
  while (at < end) {
    const kind = frame[at++];
    if (kind === 0) {
      if (body) throw new FrameError('OP_MSG has two body sections');
      const [doc, size] = readDoc(frame, at, end);
      if (size > MAX_BODY_BYTES) tooLarge = `command document is ${size} bytes, over the ${MAX_BODY_BYTES} byte limit`;
      body = doc;
      at += size;
    } else if (kind === 1) {
      if (at + 4 > end) throw new FrameError('truncated document sequence');
      const sectionEnd = at + frame.readInt32LE(at);
      if (sectionEnd > end || sectionEnd < at + 5) throw new FrameError('document sequence overruns its message');
      let [identifier, pos] = readCString(frame, at + 4, sectionEnd);
      const docs: Doc[] = [];
      while (pos < sectionEnd) {
        const [doc, size] = readDoc(frame, pos, sectionEnd);
        if (size > MAX_BSON_BYTES) tooLarge = `document is ${size} bytes, over the ${MAX_BSON_BYTES} byte limit`;
        docs.push(doc);
        pos += size;
      }
      sequences.push([identifier, docs]);
      at = sectionEnd;
    } else {
      throw new FrameError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new FrameError('OP_MSG without a body section');
  for (const [identifier, docs] of sequences) {
    if (identifier in body) throw new FrameError(`document sequence "${identifier}" duplicates a body field`);
    body[identifier] = docs;
  }
  const request: Request = { requestId, legacy: false, moreToCome: (flags & MORE_TO_COME) !== 0, command: body };
  if (tooLarge) request.rejection = new CommandError('BSONObjectTooLarge', tooLarge);
  return request;
}

function parseQuery(frame: Buffer, requestId: number): Request {
  const [, afterName] = readCString(frame, 20, frame.length);
  let [query] = readDoc(frame, afterName + 8, frame.length);
  // Drivers may wrap the command as { $query: {...}, $readPreference: ... }.
  if (query.$query && typeof query.$query === 'object') query = query.$query as Doc;
  const request: Request = { requestId, legacy: true, moreToCome: false, command: query };
  const name = Object.keys(query)[0] ?? '';
  if (!['hello', 'isMaster', 'ismaster'].includes(name)) {
    request.rejection = new CommandError('UnsupportedOpQueryCommand',
      `Unsupported OP_QUERY command: ${name}. Only the opening hello/isMaster may use OP_QUERY; the client driver may require an upgrade.`);
  }
  return request;
}

let nextReplyId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeInt32LE(length, 0);
  head.writeInt32LE(nextReplyId++ & 0x7fffffff, 4);
  head.writeInt32LE(responseTo, 8);
  head.writeInt32LE(opCode, 12);
  return head;
}

export function encodeReply(request: Request, reply: Doc): Buffer {
  const body = BSON.serialize(reply);
  if (request.legacy) {
    // OP_REPLY: flags, cursorId (int64), startingFrom, numberReturned, then the document.
    const fixed = Buffer.alloc(20);
    fixed.writeInt32LE(1, 16);
    return Buffer.concat([header(HEADER_BYTES + 20 + body.length, request.requestId, OP_REPLY), fixed, body]);
  }
  const sectionHead = Buffer.alloc(5); // flagBits = 0, then section kind 0
  return Buffer.concat([header(HEADER_BYTES + 5 + body.length, request.requestId, OP_MSG), sectionHead, body]);
}
