// Errors that become `{ ok: 0, errmsg, code, codeName }` replies. The codes are MongoDB's own, so the
// driver classifies them (retryable or not, NotWritablePrimary and so on) exactly as it would with a real server.

export type Doc = Record<string, unknown>;

export const Codes = {
  InternalError: [1, 'InternalError'],
  BadValue: [2, 'BadValue'],
  FailedToParse: [9, 'FailedToParse'],
  TypeMismatch: [14, 'TypeMismatch'],
  PathNotViable: [28, 'PathNotViable'],
  IllegalOperation: [20, 'IllegalOperation'],
  NamespaceNotFound: [26, 'NamespaceNotFound'],
  IndexNotFound: [27, 'IndexNotFound'],
  ConflictingUpdateOperators: [40, 'ConflictingUpdateOperators'],
  CursorNotFound: [43, 'CursorNotFound'],
  NamespaceExists: [48, 'NamespaceExists'],
  DollarPrefixedFieldName: [52, 'DollarPrefixedFieldName'],
  CommandNotFound: [59, 'CommandNotFound'],
  ImmutableField: [66, 'ImmutableField'],
  InvalidOptions: [72, 'InvalidOptions'],
  InvalidNamespace: [73, 'InvalidNamespace'],
  IndexOptionsConflict: [85, 'IndexOptionsConflict'],
  IndexKeySpecsConflict: [86, 'IndexKeySpecsConflict'],
  CommandNotSupported: [115, 'CommandNotSupported'],
  InvalidPipelineOperator: [168, 'InvalidPipelineOperator'],
  DuplicateKey: [11000, 'DuplicateKey'],
  MergeStageNoMatchingDocument: [13113, 'MergeStageNoMatchingDocument'],
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

  /** mongod's many unnamed assertion codes (40324, 31254...) travel with the codeName "Location<code>". */
  static location(code: number, message: string): CommandError {
    const err = new CommandError('BadValue', message);
    Object.assign(err, { code, codeName: `Location${code}` });
    return err;
  }
}

/** The stand-in's standard wording for things it deliberately leaves out. */
export function unsupported(what: string): CommandError {
  return new CommandError('CommandNotSupported', `${what} is not supported by the MongoDB stand-in (kit/mongo-standin); use a real MongoDB for this`);
}

/**
 * mingo reports bad operators, stages and variables by throwing its own error with its own wording.
 * mongod gives each of these a code the driver exposes; translate the ones a learner meets, and
 * call the rest BadValue, which is what mongod uses for a malformed query or expression.
 */
const MINGO_ERRORS: [RegExp, (m: RegExpMatchArray) => CommandError][] = [
  [/unregistered pipeline operator (\$\w+)/, (m) => CommandError.location(40324, `Unrecognized pipeline stage name: '${m[1]}'`)],
  [/Use of undefined variable: (\w+)/, (m) => CommandError.location(17276, `Use of undefined variable: ${m[1]}`)],
  [/unknown query operator (\$\w+)/, (m) => new CommandError('BadValue', `unknown operator: ${m[1]}`)],
  [/accumulator '(\$\w+)' is not registered/, (m) => new CommandError('InvalidPipelineOperator', `Unrecognized expression '${m[1]}'`)],
  [/Cannot increment with non-numeric argument/, () => new CommandError('TypeMismatch', 'Cannot increment with non-numeric argument')],
  [/include the array field for '\.\$'/, () => new CommandError('BadValue', 'The positional operator did not find the match needed from the query.')],
];

export function fromMingo(err: unknown): unknown {
  if (!(err instanceof Error) || err.constructor.name !== 'MingoError') return err;
  for (const [pattern, make] of MINGO_ERRORS) {
    const match = err.message.match(pattern);
    if (match) return make(match);
  }
  return new CommandError('BadValue', err.message);
}

/** Turns anything thrown while running a command into a MongoDB-shaped error reply. */
export function errorReply(err: unknown): Doc {
  err = fromMingo(err);
  if (err instanceof CommandError) {
    return { ok: 0, errmsg: err.message, code: err.code, codeName: err.codeName, ...err.extra };
  }
  const message = err instanceof Error ? err.message : String(err);
  const [code, codeName] = Codes.InternalError;
  return { ok: 0, errmsg: message, code, codeName };
}
