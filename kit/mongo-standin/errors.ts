// Errors that become `{ ok: 0, errmsg, code, codeName }` replies. The codes are MongoDB's own, so the
// driver classifies them (retryable or not, NotWritablePrimary and so on) exactly as it would with a real server.

export type Doc = Record<string, unknown>;

export const Codes = {
  InternalError: [1, 'InternalError'],
  BadValue: [2, 'BadValue'],
  FailedToParse: [9, 'FailedToParse'],
  TypeMismatch: [14, 'TypeMismatch'],
  IllegalOperation: [20, 'IllegalOperation'],
  NamespaceNotFound: [26, 'NamespaceNotFound'],
  IndexNotFound: [27, 'IndexNotFound'],
  ConflictingUpdateOperators: [40, 'ConflictingUpdateOperators'],
  CursorNotFound: [43, 'CursorNotFound'],
  NamespaceExists: [48, 'NamespaceExists'],
  CommandNotFound: [59, 'CommandNotFound'],
  ImmutableField: [66, 'ImmutableField'],
  InvalidOptions: [72, 'InvalidOptions'],
  InvalidNamespace: [73, 'InvalidNamespace'],
  IndexOptionsConflict: [85, 'IndexOptionsConflict'],
  IndexKeySpecsConflict: [86, 'IndexKeySpecsConflict'],
  CommandNotSupported: [115, 'CommandNotSupported'],
  DuplicateKey: [11000, 'DuplicateKey'],
  NotWritablePrimary: [10107, 'NotWritablePrimary'],
  BSONObjectTooLarge: [10334, 'BSONObjectTooLarge'],
  NotPrimaryNoSecondaryOk: [13435, 'NotPrimaryNoSecondaryOk'],
  UnsupportedOpQueryCommand: [352, 'UnsupportedOpQueryCommand'],
} as const;

export type CodeName = keyof typeof Codes;

export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Doc;
  constructor(name: CodeName, message: string, extra: Doc = {}) {
    super(message);
    const [code, codeName] = Codes[name];
    this.code = code;
    this.codeName = codeName;
    this.extra = extra;
  }
}

/** The stand-in's standard wording for things it deliberately leaves out. */
export function unsupported(what: string): CommandError {
  return new CommandError('CommandNotSupported', `${what} is not supported by the MongoDB stand-in (kit/mongo-standin); use a real MongoDB for this`);
}

/** Turns anything thrown while running a command into a MongoDB-shaped error reply. */
export function errorReply(err: unknown): Doc {
  if (err instanceof CommandError) {
    return { ok: 0, errmsg: err.message, code: err.code, codeName: err.codeName, ...err.extra };
  }
  // mingo reports bad operators and expressions by throwing; MongoDB calls those BadValue.
  const message = err instanceof Error ? err.message : String(err);
  const [code, codeName] = err instanceof Error && err.constructor.name === 'MingoError' ? Codes.BadValue : Codes.InternalError;
  return { ok: 0, errmsg: message, code, codeName };
}
