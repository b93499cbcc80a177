// Finding the server binaries the kit starts: an override from the environment, else the PATH, else
// the directories a package manager uses outside a normal user's PATH (/usr/sbin for haproxy, varnishd, pgbouncer).
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";

/** The first executable called `name` in the PATH list, or undefined. A name with a slash is checked as it is. */
export async function findExecutable(name: string, pathList = process.env.PATH ?? ""): Promise<string | undefined> {
  const candidates = name.includes("/") ? [name] : pathList.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/**
 * `override` (an *_BIN variable) when set, else `name`: a value with a slash is checked as it is, a bare name is
 * looked for on the PATH of `env` and then in `extraDirs`. Undefined when there is no such executable.
 */
export function findBinary(name: string, override: string | undefined, env: NodeJS.ProcessEnv, extraDirs: readonly string[]): Promise<string | undefined> {
  return findExecutable(override || name, [env.PATH ?? "", ...extraDirs].join(path.delimiter));
}
