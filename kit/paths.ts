import { fileURLToPath } from "node:url";
import path from "node:path";

/**
 * The workbook root: the folder that holds labs/, solutions/ and .workbook/. It is the repository
 * this kit lives in; WORKBOOK_ROOT points the CLI at another tree (the kit's own tests use fixtures).
 */
export const repoRoot = process.env.WORKBOOK_ROOT ? path.resolve(process.env.WORKBOOK_ROOT) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const labsDir = (root = repoRoot) => path.join(root, "labs");
export const solutionsDir = (root = repoRoot) => path.join(root, "solutions");
export const workbookDir = (root = repoRoot) => path.join(root, ".workbook");
