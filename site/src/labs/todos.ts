/** The step numbers of the `TODO(n)` markers in a starter file, in order, without repeats. */
export function todoSteps(code: string): number[] {
  const steps = [...code.matchAll(/\bTODO\((\d+)\)/g)].map((match) => Number(match[1]));
  return [...new Set(steps)].sort((a, b) => a - b);
}

/** 1-based line numbers that hold a TODO marker, for Expressive Code's `mark`. */
export function todoLines(code: string): number[] {
  return code.split("\n").flatMap((line, index) => (/\bTODO\(\d+\)/.test(line) ? [index + 1] : []));
}
