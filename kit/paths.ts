import { fileURLToPath } from "node:url";
import path from "node:path";

/** The repository root: the folder that holds kit/, labs/ and solutions/. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const labsDir = (root = repoRoot) => path.join(root, "labs");
export const solutionsDir = (root = repoRoot) => path.join(root, "solutions");
export const workbookDir = (root = repoRoot) => path.join(root, ".workbook");
