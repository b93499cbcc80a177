// The wire protocol: cutting a TCP byte stream into messages and encoding replies.
// OP_MSG carries every command; legacy OP_QUERY survives only because drivers open with a
// legacy `isMaster` before they know the server speaks OP_MSG.
import { BSON } from 'bson';
import { CommandError, type Doc } from './errors.ts';

export const MAX_MESSAGE_BYTES = 48_000_000;
export const MAX_BSON_BYTES = 16 * 1024 * 1024;
/** MongoDB allows a command body a little headroom over one maximal document. */
const MAX_BODY_BYTES = MAX_BSON_BYTES + 16 * 1024;

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;
export const HEADER_BYTES = 16;
/** OP_MSG flag bits: a CRC-32C follows the sections; more replies follow without a request (exhaust). */
export const CHECKSUM_PRESENT = 1;
export const MORE_TO_COME = 2;
const KNOWN_FLAGS = CHECKSUM_PRESENT | MORE_TO_COME | (1 << 16);

/**
 * The documents of an OP_MSG document sequence (kind 1), e.g. insertMany's documents. Each one is
 * cut out of the message only when asked for, so 100,000 documents are not 100,000 live objects.
 */
export class DocumentSequence {
  readonly #frame: Buffer;
  readonly #offsets: number[];

  constructor(frame: Buffer, offsets: number[]) {
    this.#frame = frame;
    this.#offsets = offsets;
  }

  get length(): number {
    return this.#offsets.length;
  }

  /** The i-th document's BSON bytes (a view into the message). */
  at(i: number): Buffer {
    const start = this.#offsets[i]!;
    return this.#frame.subarray(start, start + this.#frame.readInt32LE(start));
  }
}

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

/**
 * Cuts a TCP byte stream into whole messages, each returned as its raw bytes (header included);
 * throws FrameError on a length outside the protocol's limits. Once a message's length is known its
 * bytes are copied straight into one buffer of that size, so a large insertMany does not hold its
 * chunks and a concatenated copy at the same time. The stand-in parses what it cuts (FrameReader);
 * the kit's MongoDB governor (kit/services/mongo-governor.ts) forwards it.
 */
export class FrameSplitter {
  readonly #head = Buffer.alloc(4);
  #headFilled = 0;
  #frame: Buffer | undefined;
  #filled = 0;

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (!this.#frame) {
        // The 4-byte length may straddle two chunks.
        const take = Math.min(4 - this.#headFilled, chunk.length - at);
        chunk.copy(this.#head, this.#headFilled, at, at + take);
        this.#headFilled += take;
        at += take;
        if (this.#headFilled < 4) break;
        const length = this.#head.readInt32LE(0);
        if (length < HEADER_BYTES + 5 || length > MAX_MESSAGE_BYTES) {
          throw new FrameError(`message length ${length} is outside 21..${MAX_MESSAGE_BYTES} bytes`);
        }
        this.#frame = Buffer.allocUnsafe(length);
        this.#head.copy(this.#frame);
        this.#filled = 4;
        this.#headFilled = 0;
      }
      const copied = chunk.copy(this.#frame, this.#filled, at);
      this.#filled += copied;
      at += copied;
      if (this.#filled === this.#frame.length) {
        out.push(this.#frame);
        this.#frame = undefined;
      }
    }
    return out;
  }
}

/** Collects chunks and yields complete, parsed requests; throws FrameError on anything malformed. */
export class FrameReader {
  readonly #splitter = new FrameSplitter();

  push(chunk: Buffer): Request[] {
    return this.#splitter.push(chunk).map(parseFrame);
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
  const sequences: [string, DocumentSequence][] = [];
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
      // Sequence documents stay as BSON bytes, located but not decoded: an insert stores them as
      // they are (see bson-bytes.ts), other commands decode them where they use them.
      const offsets: number[] = [];
      while (pos < sectionEnd) {
        if (pos + 5 > sectionEnd) throw new FrameError('truncated BSON document');
        const size = frame.readInt32LE(pos);
        if (size < 5 || pos + size > sectionEnd || frame[pos + size - 1] !== 0) throw new FrameError(`BSON document of ${size} bytes overruns its message`);
        if (size > MAX_BSON_BYTES) tooLarge = `document is ${size} bytes, over the ${MAX_BSON_BYTES} byte limit`;
        offsets.push(pos);
        pos += size;
      }
      const docs = new DocumentSequence(frame, offsets);
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

/** A BSON document from already-encoded elements: int32 size, the elements, a closing zero byte. */
function bsonDocument(elements: Uint8Array[]): Buffer {
  const size = elements.reduce((sum, e) => sum + e.length, 5);
  const out = Buffer.allocUnsafe(size);
  out.writeInt32LE(size, 0);
  let at = 4;
  for (const e of elements) {
    out.set(e, at);
    at += e.length;
  }
  out[at] = 0;
  return out;
}

/** A BSON array of documents ("0": doc, "1": doc...) written into one buffer. */
function bsonArray(docs: unknown[]): Buffer {
  const encoded = docs.map((doc) => (Buffer.isBuffer(doc) ? doc : BSON.serialize(doc as Doc)));
  let size = 5;
  encoded.forEach((doc, i) => (size += 2 + String(i).length + doc.length));
  const out = Buffer.allocUnsafe(size);
  out.writeInt32LE(size, 0);
  let at = 4;
  encoded.forEach((doc, i) => {
    out[at++] = 0x03;
    at += out.write(String(i), at, 'latin1');
    out[at++] = 0;
    out.set(doc, at);
    at += doc.length;
  });
  out[at] = 0;
  return out;
}

/** One element: type byte, field name, value bytes. */
const bsonElement = (type: number, name: string, value: Uint8Array) => [Uint8Array.of(type), Buffer.from(`${name}\0`, 'utf8'), value];

/** The elements of a serialised document, without its size and closing byte. */
const elementsOf = (doc: Uint8Array) => doc.subarray(4, doc.length - 1);

/**
 * Serialises a reply. A cursor batch may hold stored documents as BSON bytes (see records.ts):
 * those are copied into the reply as they are instead of being decoded and encoded again.
 */
function encodeBody(reply: Doc): Uint8Array {
  const cursor = reply.cursor as Doc | undefined;
  const field = cursor && ('firstBatch' in cursor ? 'firstBatch' : 'nextBatch' in cursor ? 'nextBatch' : undefined);
  const batch = field ? (cursor![field] as unknown[]) : undefined;
  if (!batch || !batch.some((doc) => Buffer.isBuffer(doc))) return BSON.serialize(reply);
  const { [field!]: _batch, ...cursorRest } = cursor!;
  const cursorDoc = bsonDocument([...bsonElement(0x04, field!, bsonArray(batch)), elementsOf(BSON.serialize(cursorRest))]);
  const { cursor: _cursor, ...rest } = reply;
  return bsonDocument([...bsonElement(0x03, 'cursor', cursorDoc), elementsOf(BSON.serialize(rest))]);
}

export function encodeReply(request: Request, reply: Doc): Buffer {
  const body = encodeBody(reply);
  if (request.legacy) {
    // OP_REPLY: flags, cursorId (int64), startingFrom, numberReturned, then the document.
    const fixed = Buffer.alloc(20);
    fixed.writeInt32LE(1, 16);
    return Buffer.concat([header(HEADER_BYTES + 20 + body.length, request.requestId, OP_REPLY), fixed, body]);
  }
  const sectionHead = Buffer.alloc(5); // flagBits = 0, then section kind 0
  return Buffer.concat([header(HEADER_BYTES + 5 + body.length, request.requestId, OP_MSG), sectionHead, body]);
}
