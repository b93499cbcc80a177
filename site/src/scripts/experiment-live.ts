/**
 * "Edit and run", loaded on the first click (scripts/experiment.ts): a plain <textarea> editor, Run
 * and Reset, and the run's output streamed from a WebContainer (experiments/runner.ts). One
 * WebContainer per page: every experiment on the page shares it, and starting a run stops the last.
 *
 * When WebContainer cannot start (no network to StackBlitz, no cross-origin isolation, an old
 * browser) the control says so in one sentence within the boot timeout, shows the local command,
 * and leaves the recorded output and the page as they were.
 */
import { createRunner, type Container, type Runner, type RunnerEvent } from "../experiments/runner.ts";
import { shortCodeLength } from "../inline-code.ts";

// Past this, the control falls back to the local command (well inside the 15 s a reader is promised);
// the boot goes on, and Run again uses it if it has finished by then.
const BOOT_TIMEOUT_MS = 8_000;

interface View {
  name: string;
  status: HTMLElement;
  output: HTMLElement;
  /** Everything the current run printed, chart line included. */
  raw: string;
  run: HTMLButtonElement;
}

let runner: Runner | undefined;
let active: View | undefined;

async function bootWebContainer(): Promise<Container> {
  if (!globalThis.crossOriginIsolated) throw new Error("this page is not cross-origin isolated, so the browser withholds SharedArrayBuffer");
  const { WebContainer } = await import("@webcontainer/api");
  const booted = WebContainer.boot({ coep: "require-corp" });
  return Promise.race([booted, unreachable()]);
}

/**
 * WebContainer.boot loads StackBlitz's /headless page in a hidden iframe and waits for its first
 * message. When the host cannot be reached the iframe shows an error page, no message ever comes,
 * and boot() never settles, so only the boot timeout would end the wait. One request for the same
 * page fails as soon as the network does (a DNS failure takes well under a second), and rejects
 * here; when it succeeds this never settles and the boot decides. The request is no-cors, so its
 * response needs the Cross-Origin-Resource-Policy header the iframe needs anyway under COEP.
 */
async function unreachable(): Promise<never> {
  await new Promise((resolve) => setTimeout(resolve)); // boot() adds its iframe after a microtask
  const src = document.querySelector<HTMLIFrameElement>('iframe[src*="/headless"]')?.src ?? "https://stackblitz.com/headless";
  try {
    await fetch(src, { mode: "no-cors", credentials: "omit", cache: "no-store" });
  } catch {
    throw new Error(`${new URL(src).host} could not be reached`);
  }
  return new Promise<never>(() => {});
}

/** Terminal output without colour codes, and with carriage-return redraws (npm's spinner) applied. */
export function appendTerminal(shown: string, chunk: string): string {
  const text = chunk.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/\x1b\][^\x07]*\x07/g, "").replace(/\r\n/g, "\n");
  let result = shown;
  for (const [i, part] of text.split("\r").entries()) {
    if (i > 0) result = result.slice(0, result.lastIndexOf("\n") + 1); // \r: back to the start of the line
    result += part;
  }
  return result;
}

/** The run's output as a reader sees it: without the `chart:` data line (the build strips it from the recording too). */
export const withoutChartLine = (text: string) => text.replace(/^chart: \{.*(\n|$)/gm, "");

function onEvent(event: RunnerEvent) {
  if (!active) return;
  if (event.type === "status") active.status.textContent = event.text;
  else {
    active.raw = appendTerminal(active.raw, event.text);
    active.output.textContent = withoutChartLine(active.raw);
    active.output.scrollTop = active.output.scrollHeight;
  }
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

export async function openExperiment(figure: HTMLElement): Promise<void> {
  const name = figure.dataset.xp!;
  const [code, packageJson] = await Promise.all(
    ["index.mjs", "package.json"].map(async (file) => {
      const response = await fetch(`/experiments/${name}/${file}`);
      if (!response.ok) throw new Error(`${file} answered ${response.status}`);
      return response.text();
    }),
  );
  const local = `npm run experiment -- ${name}`;
  const id = `xp-code-${name}`;
  const panel = element("div", { className: "xp-live" });
  const label = element("label", { htmlFor: id, textContent: `Code of ${name} (edit it, then Run)` });
  // At most 14 rows, so the editor, its buttons and the output below fit on one screen, even a phone's.
  const editor = element("textarea", { id, value: code!, spellcheck: false, rows: Math.min(14, code!.split("\n").length + 1) }, { autocapitalize: "off", autocomplete: "off", wrap: "off" });
  const run = element("button", { type: "button", className: "wb-button", textContent: "Run" });
  const reset = element("button", { type: "button", className: "wb-button", textContent: "Reset" });
  const status = element("p", { className: "xp-status" }, { role: "status" });
  const output = element("pre", { className: "xp-out" }, { tabindex: "0", "aria-label": `Output of your run of ${name}` });
  const actions = element("div", { className: "xp-actions" });
  actions.append(run, reset);
  panel.append(label, editor, actions, status, output);
  figure.append(panel);
  const view: View = { name, status, output, raw: "", run };
  // A chart is drawn by the build, from the recorded run; a run here cannot redraw it.
  const chartNote = figure.querySelector(":scope > p > img") ? " The chart above shows the recorded run, not this one." : "";

  runner ??= createRunner({ boot: bootWebContainer, bootTimeoutMs: BOOT_TIMEOUT_MS, onEvent });

  async function start() {
    active = view;
    output.textContent = "";
    view.raw = "";
    output.hidden = false;
    const result = await runner!.run({ name, code: editor.value, packageJson: packageJson! });
    // "Run again" only once the code has run; a boot or install that failed ran nothing.
    if (result.outcome === "exited") run.textContent = "Run again";
    if (result.outcome === "superseded") {
      if (active === view) status.textContent = result.message;
      return;
    }
    if (result.outcome === "unavailable") {
      output.hidden = true;
      const reason = /did not finish within/.test(result.message) ? `no answer from StackBlitz within ${BOOT_TIMEOUT_MS / 1000} s` : result.message;
      status.replaceChildren(
        `WebContainer could not start in this browser (${reason}), so run the experiment on your machine with `,
        element("code", { textContent: local, ...(local.length > shortCodeLength ? { className: "wrap" } : {}) }),
        "; the output the build recorded is shown above.",
      );
      status.dataset.state = "unavailable";
      return;
    }
    status.dataset.state = result.outcome === "exited" && result.exitCode === 0 ? "ok" : "error";
    status.textContent = result.outcome === "failed" ? `${result.message} Run it on your machine instead: ${local}` : result.message + chartNote;
  }

  run.addEventListener("click", () => void start());
  reset.addEventListener("click", () => {
    editor.value = code!;
    status.dataset.state = "";
    status.textContent = "The code is back to the original.";
  });
  // Setting the value put the caret at the end, and focus() would scroll the editor to its last line
  // and the page to the editor: open at the first line, with the panel at the top of the screen so
  // the buttons and the status and output that appear below them are in view too.
  editor.setSelectionRange(0, 0);
  editor.focus({ preventScroll: true });
  panel.scrollIntoView({ block: "start" });
  void start();
}
