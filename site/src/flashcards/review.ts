import type { Grade } from "ts-fsrs";
import { buildQueue, grade, grades, previewIntervals, undoLast, type Queue } from "./scheduler.ts";
import { loadProgress, parseImport, saveProgress, toExportFile } from "./store.ts";
import type { SavedProgress } from "./saved-schema.ts";
import type { DeckCard } from "./deck.ts";
import { computeStats } from "./stats.ts";
import { renderStats } from "./stats-view.ts";

declare global {
  /** Set by /flashcards/deck.js, which the page loads with its scripts. */
  var workbookDeck: DeckCard[] | undefined;
}

/**
 * <flashcard-review>: the review loop on /flashcards/. The deck (answers already rendered to
 * HTML) comes from deck.js; this element shows one card at a time, grades with FSRS and saves.
 * Nothing is fetched after load: the page works offline.
 */
class FlashcardReview extends HTMLElement {
  #progress: SavedProgress = { version: 1, cards: {}, log: [] };
  #cards = new Map<string, DeckCard>();
  #current: string | undefined;
  #revealed = false;
  /** The lesson filter changed while it had focus: Space and Enter then act on the card, not the select. */
  #filterChanged = false;
  /** Wakes the page when the next seen card falls due (a card graded Again comes back in a minute). */
  #dueTimer: ReturnType<typeof setTimeout> | undefined;

  #get<T extends HTMLElement>(selector: string): T {
    const element = this.querySelector<T>(selector);
    if (!element) throw new Error(`flashcards: missing ${selector}`);
    return element;
  }

  connectedCallback() {
    if (globalThis.workbookDeck) this.#start(globalThis.workbookDeck);
    else addEventListener("workbook-deck", () => this.#start(globalThis.workbookDeck ?? []), { once: true });
  }

  #start(deck: DeckCard[]) {
    for (const card of deck) this.#cards.set(card.id, card);
    this.#progress = loadProgress();
    const select = this.#get<HTMLSelectElement>("[data-lesson-filter]");
    const wanted = new URLSearchParams(location.search).get("lesson");
    if (wanted && [...select.options].some((o) => o.value === wanted)) select.value = wanted;
    select.addEventListener("change", () => {
      const url = new URL(location.href);
      if (select.value) url.searchParams.set("lesson", select.value);
      else url.searchParams.delete("lesson");
      history.replaceState(null, "", url);
      this.#filterChanged = true;
      this.#next();
    });
    select.addEventListener("focus", () => (this.#filterChanged = false));
    select.addEventListener("blur", () => (this.#filterChanged = false));
    this.#get("[data-reveal]").addEventListener("click", () => this.#reveal());
    for (const button of this.querySelectorAll<HTMLButtonElement>("[data-grade]")) {
      button.addEventListener("click", () => this.#grade(Number(button.dataset.grade) as Grade));
    }
    this.#get("[data-undo]").addEventListener("click", () => this.#undo());
    this.#get("[data-export]").addEventListener("click", () => this.#export());
    this.#get<HTMLInputElement>("[data-import]").addEventListener("change", (event) => this.#import(event));
    this.#get("[data-stats]").addEventListener("toggle", () => this.#renderStats());
    document.addEventListener("keydown", (event) => this.#onKey(event));
    this.#get("[data-app]").hidden = false;
    this.#next();
  }

  /** Keys act only when focus is not in a control that has its own use for them. */
  #onKey(event: KeyboardEvent) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target as HTMLElement | null;
    // A select keeps focus after the keyboard changed it; once it has changed, Space and Enter
    // belong to the card (before that, Space opens the select as usual).
    const inChangedFilter = this.#filterChanged && target?.matches("[data-lesson-filter]") === true;
    if (!inChangedFilter && target?.closest("input, select, textarea, summary, a, [contenteditable], [data-stats], button:not([data-reveal])")) return;
    if (inChangedFilter && !["Enter", " ", ...grades.map((g) => g.key)].includes(event.key)) return;
    if (target?.closest("dialog, site-search")) return;
    if (!this.#current) return;
    if (!this.#revealed && (event.key === " " || event.key === "Enter")) {
      event.preventDefault();
      this.#reveal();
      return;
    }
    const choice = grades.find((g) => g.key === event.key);
    if (this.#revealed && choice) {
      event.preventDefault();
      this.#grade(choice.grade);
    } else if (event.key === "u" || event.key === "U") {
      event.preventDefault();
      this.#undo();
    }
  }

  #deckIds(): string[] {
    const lesson = this.#get<HTMLSelectElement>("[data-lesson-filter]").value;
    return [...this.#cards.values()].filter((card) => !lesson || card.lesson === lesson).map((card) => card.id);
  }

  #showCounts(queue: Queue) {
    this.#get("[data-count-new]").textContent = String(queue.counts.new);
    this.#get("[data-count-learning]").textContent = String(queue.counts.learning);
    this.#get("[data-count-review]").textContent = String(queue.counts.review);
    this.#wakeAt(queue.nextDue);
  }

  /**
   * When the soonest seen card falls due: update the counts, and if the page is waiting with
   * nothing to study, show that card. A card already on screen stays; the due one comes next.
   */
  #wakeAt(due: Date | undefined) {
    clearTimeout(this.#dueTimer);
    if (!due) return;
    // setTimeout cannot wait longer than about 24 days; an hour at most, then look again.
    const wait = Math.min(Math.max(0, due.getTime() - Date.now()) + 250, 3_600_000);
    this.#dueTimer = setTimeout(() => {
      if (this.#current === undefined) this.#next();
      else this.#showCounts(buildQueue(this.#progress, this.#deckIds(), new Date()));
    }, wait);
  }

  #show(id: string | undefined, focusReveal: boolean) {
    const now = new Date();
    const queue = buildQueue(this.#progress, this.#deckIds(), now);
    this.#current = id;
    this.#revealed = false;
    this.#showCounts(queue);
    const card = id === undefined ? undefined : this.#cards.get(id);
    const article = this.#get("[data-card]");
    article.hidden = !card;
    article.dataset.card = card?.id ?? "";
    article.dataset.lesson = card?.lesson ?? "";
    if (card) {
      const lessonLink = this.#get<HTMLAnchorElement>("[data-card-lesson]");
      lessonLink.href = `/lessons/${card.lesson}/`;
      lessonLink.textContent = card.lessonTitle;
      this.#get("[data-card-interview]").hidden = !card.interview;
      this.#get("[data-question]").innerHTML = card.questionHtml;
      this.#get("[data-answer]").innerHTML = card.answerHtml;
    }
    this.#get("[data-answer]").hidden = true;
    const done = this.#get("[data-done]");
    done.hidden = id !== undefined;
    if (id === undefined) {
      done.textContent = queue.nextDue
        ? `Nothing is due right now. The next card comes back around ${queue.nextDue.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}${queue.nextDue.toDateString() === now.toDateString() ? "" : ` on ${queue.nextDue.toLocaleDateString()}`}.`
        : "No cards match this filter.";
    }
    const reveal = this.#get<HTMLButtonElement>("[data-reveal]");
    reveal.hidden = id === undefined;
    this.#get("[data-grades]").hidden = true;
    this.#get<HTMLButtonElement>("[data-undo]").disabled = this.#progress.log.length === 0;
    this.#renderStats();
    if (focusReveal && id !== undefined) reveal.focus();
  }

  #next(focusReveal = false) {
    const queue = buildQueue(this.#progress, this.#deckIds(), new Date());
    this.#show(queue.ids[0], focusReveal);
  }

  /** The statistics, drawn only while their <details> is open; #show calls this after every change. */
  #renderStats() {
    if (!this.#get<HTMLDetailsElement>("[data-stats]").open) return;
    const select = this.#get<HTMLSelectElement>("[data-lesson-filter]");
    const lesson = select.value ? (select.selectedOptions[0]?.textContent ?? "").replace(/\s*\(\d+\)$/, "") : "";
    const escaped = lesson.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    const scope = lesson ? `Cards of the lesson “${escaped}” (the lesson filter above).` : "All lessons.";
    renderStats(this.#get("[data-stats-body]"), computeStats(this.#progress, this.#deckIds(), new Date()), scope);
  }

  #reveal() {
    if (!this.#current || this.#revealed) return;
    const answer = this.#get("[data-answer]");
    this.#revealed = true;
    answer.hidden = false;
    const intervals = previewIntervals(this.#progress, this.#current, new Date());
    for (const button of this.querySelectorAll<HTMLButtonElement>("[data-grade]")) {
      const interval = button.querySelector("[data-interval]");
      if (interval) interval.textContent = intervals[Number(button.dataset.grade) as Grade];
    }
    this.#get("[data-reveal]").hidden = true;
    this.#get("[data-grades]").hidden = false;
    answer.focus();
  }

  #save(next: SavedProgress): boolean {
    try {
      saveProgress(next);
      this.#progress = next;
      return true;
    } catch {
      this.#say("Could not save to this browser's storage (is it full or blocked?). The grade was not recorded.");
      return false;
    }
  }

  #grade(rating: Grade) {
    if (!this.#current || !this.#revealed) return;
    if (this.#save(grade(this.#progress, this.#current, rating, new Date()))) {
      this.#say("");
      this.#next(true);
    }
  }

  #undo() {
    const undone = undoLast(this.#progress, new Date());
    if (!undone || !this.#save(undone.progress)) return;
    this.#say("Last grade undone.");
    if (this.#deckIds().includes(undone.cardId)) this.#show(undone.cardId, true);
    else this.#next(true);
  }

  #export() {
    const blob = new Blob([JSON.stringify(toExportFile(this.#progress), null, 2)], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `workbook-flashcards-${new Date().toISOString().slice(0, 10)}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    this.#say(`Exported ${Object.keys(this.#progress.cards).length} cards and ${this.#progress.log.length} reviews.`);
  }

  async #import(event: Event) {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    const result = parseImport(await file.text());
    if (!result.ok) return this.#say(result.message, true);
    const seen = Object.keys(result.progress.cards).length;
    const mine = this.#progress.log.length;
    if (mine > 0 && !confirm(`Replace your ${mine} reviews in this browser with the ${result.progress.log.length} reviews in ${file.name}?`)) {
      return this.#say("Import cancelled. Your current progress is unchanged.");
    }
    if (this.#save(result.progress)) {
      this.#say(`Imported ${seen} cards and ${result.progress.log.length} reviews from ${file.name}.`);
      this.#next();
    }
  }

  #say(message: string, isError = false) {
    const status = this.#get("[data-message]");
    status.textContent = message;
    status.dataset.error = String(isError);
  }
}

customElements.define("flashcard-review", FlashcardReview);
