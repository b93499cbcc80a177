/**
 * The learner's progress on the page. Served by `npm start`, there is one truth: `.workbook/progress.json`,
 * read through GET /api/progress and written through POST /api/progress/hints, the same file `npm run lab`
 * uses. On a static host there is no API: the page says nothing about tests, and hints are counted in
 * this browser's localStorage.
 *
 * The local server marks its pages with the `workbook-progress` cookie. Without it (a static host,
 * `astro preview`) nothing is fetched, so there is no 404 in the console.
 */
import { stepsLine, type StepState } from "../../../kit/step-states.ts";

type LabState =
  | { state: "not-started" }
  | { state: "reset"; at: string }
  | { state: "failing"; passed: number; total: number }
  | { state: "passing"; passed: number; total: number };

/** What GET /api/progress says about one lab (site/server/progress-api.ts). */
export type LabView = LabState & { hintsShown: number[]; setAside: string | null; steps?: StepState[] };

interface ProgressResponse {
  labs: Record<string, LabView>;
  setAside: string | null;
  /** Labs with a saved bench history. */
  benched?: string[];
}

export const servedWithProgress = () => document.cookie.split("; ").includes("workbook-progress=1");

function describe(state: LabState): string {
  switch (state.state) {
    case "not-started":
      return "Not started";
    case "reset":
      return "Reset to the starter: run the tests again";
    case "failing":
      return `Failing: ${state.passed} of ${state.total} tests pass`;
    case "passing":
      return `Passing: all ${state.total} tests pass`;
  }
}

/**
 * The lab page's status: the state, then each step's when the last run recorded two or more, in the CLI's
 * words ("Failing: 3 of 5 tests pass · step 1 passes · step 2 fails · steps 3–5 not run"): a step the run
 * stopped before is "not run", never failing.
 */
export function describeWithSteps(lab: LabView): string {
  const steps = lab.state === "failing" || lab.state === "passing" ? (lab.steps ?? []) : [];
  return steps.length > 1 ? `${describe(lab)} · ${stepsLine(steps)}` : describe(lab);
}

let request: Promise<ProgressResponse | undefined> | undefined;

async function fetchProgress(): Promise<ProgressResponse | undefined> {
  try {
    const response = await fetch("/api/progress", { headers: { accept: "application/json" } });
    if (!response.ok) return undefined;
    return (await response.json()) as ProgressResponse;
  } catch {
    return undefined; // offline or server gone: show nothing rather than a wrong state
  }
}

const progress = () => (request ??= servedWithProgress() ? fetchProgress() : Promise.resolve(undefined));

export async function showProgress(): Promise<void> {
  const current = await progress();
  if (!current) return;
  for (const element of document.querySelectorAll<HTMLElement>("[data-lab-status]")) {
    const lab = current.labs[element.dataset.labStatus ?? ""];
    if (!lab) continue;
    // Only where the page asks for steps (the lab's own page): the lists of labs stay one short line each.
    element.textContent = element.dataset.steps === undefined ? describe(lab) : describeWithSteps(lab);
    element.dataset.state = lab.state;
    const aside = lab.setAside ?? current.setAside;
    if (aside) {
      // Said on the page, not only in the server's terminal: the learner should know why progress restarted.
      const note = document.createElement("small");
      note.dataset.progressNote = "";
      note.textContent = ` (earlier progress was damaged and starts fresh; the old record is kept in ${aside})`;
      element.append(note);
    }
  }
}

/**
 * The lab page's "Your bench" (`data-bench`): under `npm start`, the charts of the learner's saved bench runs,
 * drawn by the server (GET /api/bench/<lab>); with none saved, the page keeps its link to our figures, plus the
 * server's note when a damaged history was set aside.
 */
export async function showBench(): Promise<void> {
  const element = document.querySelector<HTMLElement>("[data-bench]");
  // The lab's own page, /labs/<id>/, names the lab: the placeholder carries no id, to keep the page small.
  const lab = location.pathname.split("/")[2] ?? "";
  // Asked only when a history is saved, so a lab never benched costs no request (and no 404 in the console).
  if (!element || !(await progress())?.benched?.includes(lab)) return;
  try {
    const response = await fetch(`/api/bench/${lab}`, { headers: { accept: "application/json" } });
    const { html } = (await response.json()) as { html?: string };
    if (html && response.ok) element.innerHTML = html;
    else if (html) element.insertAdjacentHTML("afterbegin", html);
  } catch {} // the server is gone: the page keeps its link to our figures
}

const storageKey = (lab: string) => `workbook:hints:${lab}`;

function storedCounts(lab: string): number[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(storageKey(lab)) ?? "[]");
    // Before hint ladders this was one number: the count of a single list, step 1.
    const counts = typeof value === "number" ? [value] : Array.isArray(value) ? value : [];
    return counts.map((n) => (Number.isInteger(n) && n > 0 ? (n as number) : 0));
  } catch {
    return []; // storage blocked or garbled: hints still work, they are just not remembered
  }
}

/** Rungs revealed per step: from the progress file under `npm start`, else from this browser. */
export async function hintCounts(lab: string): Promise<number[]> {
  const current = await progress();
  return current ? (current.labs[lab]?.hintsShown ?? []) : storedCounts(lab);
}

/** Remember rungs revealed; returns the counts now on record (the file's, which may hold more from the CLI). */
export async function saveHintCounts(lab: string, counts: number[]): Promise<number[]> {
  if (!(await progress())) {
    try {
      localStorage.setItem(storageKey(lab), JSON.stringify(counts));
    } catch {}
    return counts;
  }
  try {
    const response = await fetch("/api/progress/hints", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ lab, hintsShown: counts }),
    });
    if (response.ok) return ((await response.json()) as { hintsShown: number[] }).hintsShown;
  } catch {}
  return counts; // the server is gone: the page still shows what was opened
}
