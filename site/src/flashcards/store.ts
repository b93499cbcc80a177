import { exportFileSchema, exportFormat, savedProgressSchema, type ExportFile, type SavedProgress } from "./saved-schema.ts";

/** localStorage keys. Bump the version only with a migration: review history is precious. */
export const storageKey = "workbook:flashcards:v1";
const brokenKey = `${storageKey}:unreadable`;

export const emptyProgress = (): SavedProgress => ({ version: 1, cards: {}, log: [] });

/**
 * Read saved progress. Unreadable data is copied aside (never deleted) and review starts fresh,
 * so one bad write cannot lock a learner out of the page.
 */
export function loadProgress(storage: Storage = localStorage): SavedProgress {
  const text = storage.getItem(storageKey);
  if (text === null) return emptyProgress();
  try {
    const parsed = savedProgressSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  storage.setItem(brokenKey, text);
  return emptyProgress();
}

/** One setItem: the saved state is either the old one or the new one, never a mix. */
export function saveProgress(progress: SavedProgress, storage: Storage = localStorage): void {
  storage.setItem(storageKey, JSON.stringify(progress));
}

export function toExportFile(progress: SavedProgress, now = new Date()): ExportFile {
  return { format: exportFormat, exportedAt: now.toISOString(), progress };
}

export type ImportResult = { ok: true; progress: SavedProgress } | { ok: false; message: string };

/** Check a file's text before anything is replaced; the message says what is wrong and that nothing changed. */
export function parseImport(text: string): ImportResult {
  const unchanged = "Your current progress is unchanged.";
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: `That file is not JSON, so it cannot be a flashcards export. ${unchanged}` };
  }
  if (typeof raw !== "object" || raw === null || (raw as { format?: unknown }).format !== exportFormat) {
    return {
      ok: false,
      message: `That JSON file is not a flashcards export from this workbook (it has no "format": "${exportFormat}"). ${unchanged}`,
    };
  }
  const parsed = exportFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join(".") || "(top level)"} ${issue.message}`);
    return { ok: false, message: `That export file is damaged: ${problems.join("; ")}. ${unchanged}` };
  }
  return { ok: true, progress: parsed.data.progress };
}
