/**
 * The part of the experiment control every lesson page loads: one "Edit and run" button per
 * experiment. Everything else (the editor, the runner, @webcontainer/api) is fetched on the first
 * click, so a reader who never clicks pays nothing for it.
 */
function enhance(): void {
  for (const figure of document.querySelectorAll<HTMLElement>("figure[data-xp]")) {
    const line = figure.querySelector("figcaption");
    if (!line || figure.querySelector(".xp-open")) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "wb-button xp-open";
    button.textContent = "Edit and run";
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const { openExperiment } = await import("./experiment-live.ts");
        await openExperiment(figure);
        button.remove();
      } catch (error) {
        button.disabled = false;
        line.dataset.error = "";
        line.textContent = `The editor could not load (${error instanceof Error ? error.message : String(error)}); run it yourself: npm run experiment -- ${figure.dataset.xp}`;
      }
    });
    line.after(button);
  }
}

enhance();
