import { minRetentionReviews, statsDays, type Day, type Retention, type Stats } from "./stats.ts";

/**
 * Draws the statistics of stats.ts as HTML: for each chart a one-line summary, bars in inline SVG
 * (aria-hidden: the table under it holds the same numbers for screen readers) and a table.
 * No charting library: the page's JS budget is 40 kB gzip. Every string here is ours or a number.
 */

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const dayOf = (date: string) => new Date(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8)));
const shortDay = (date: string) => dayOf(date).toLocaleDateString([], { month: "short", day: "numeric" });
const longDay = (date: string) => dayOf(date).toLocaleDateString([], { weekday: "short", month: "short", day: "numeric" });
const sum = (days: Day[]) => days.reduce((total, d) => total + d.count, 0);
const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

/** Bars with their counts above and the given labels below; viewBox units, scaled to the width. */
function bars(values: number[], labels: (string | undefined)[]): string {
  const width = 600;
  const height = 150;
  const top = 18;
  const base = height - 24;
  const slot = width / values.length;
  const max = Math.max(1, ...values);
  let shapes = `<line x1="0" x2="${width}" y1="${base + 0.5}" y2="${base + 0.5}" />`;
  values.forEach((value, i) => {
    const middle = (i + 0.5) * slot;
    if (value > 0) {
      const h = Math.max(1, ((base - top) * value) / max);
      shapes += `<rect x="${(middle - slot * 0.35).toFixed(1)}" y="${(base - h).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}" rx="1.5" />`;
      shapes += `<text x="${middle.toFixed(1)}" y="${(base - h - 4).toFixed(1)}">${value}</text>`;
    }
    if (labels[i]) shapes += `<text x="${middle.toFixed(1)}" y="${height - 6}">${labels[i]}</text>`;
  });
  return `<svg class="fc-chart" viewBox="0 0 ${width} ${height}" aria-hidden="true" focusable="false">${shapes}</svg>`;
}

/** A table in a box that scrolls when it is long; the box can take focus so the keyboard can scroll it. */
function table(id: string, caption: string, head: string[], rows: (string | number)[][], scroll = false): string {
  const body = rows.map((row) => `<tr><th scope="row">${row[0]}</th>${row.slice(1).map((cell) => `<td>${cell}</td>`).join("")}</tr>`).join("");
  const html = `<table id="${id}"><caption>${caption}</caption><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table>`;
  return scroll ? `<div class="fc-stat__scroll" role="region" tabindex="0" aria-labelledby="${id}">${html}</div>` : html;
}

function section(key: string, title: string, summary: string, content: string): string {
  return `<section class="fc-stat" data-stat="${key}" aria-labelledby="fc-stat-${key}"><h3 id="fc-stat-${key}">${title}</h3><p class="fc-stat__summary" data-stat-summary>${summary}</p>${content}</section>`;
}

/**
 * A day-by-day chart: bars labelled every 7 days counted from today, and the table with today's row first
 * (the forecast runs forwards from today, the history backwards).
 */
function daily(days: Day[], today: number, id: string, caption: string, column: string): string {
  const rows = days.map((d, i) => [i === today ? `Today, ${longDay(d.date)}` : longDay(d.date), d.count]);
  const labels = days.map((d, i) => (i === today ? "Today" : (i - today) % 7 === 0 ? shortDay(d.date) : undefined));
  return bars(days.map((d) => d.count), labels) + table(id, caption, ["Day", column], today === 0 ? rows : rows.reverse(), true);
}

const retentionText = (r: Retention) =>
  r.rate === undefined ? `not enough reviews yet (${r.reviews} of ${minRetentionReviews} needed)` : `${percent(r.rate)} (${r.passed} of ${r.reviews})`;

export function renderStats(body: HTMLElement, stats: Stats, scope: string): void {
  const { forecast, reviews, retention, stability } = stats;
  const today = forecast[0]?.count ?? 0;
  const dueSummary = `${today} due today${stats.overdue ? ` (${stats.overdue} overdue)` : ""}, ${sum(forecast.slice(0, 7))} in the next 7 days, ${sum(forecast)} in the next ${statsDays} days (today included).`;
  const active = reviews.filter((d) => d.count > 0).length;
  const reviewSummary = `${plural(reviews.at(-1)?.count ?? 0, "review")} today; ${plural(sum(reviews), "review")} on ${plural(active, "day")} of the last ${statsDays}.`;
  const short = (lo: number, hi: number) => stability.filter((b) => b.from >= lo && b.to <= hi).reduce((n, b) => n + b.count, 0);
  const stabilitySummary =
    stats.reviewed === 0
      ? "No cards reviewed yet."
      : `${plural(stats.reviewed, "reviewed card")}: ${short(0, 7)} under 7 days, ${short(7, 90)} from 7 to 90 days, ${short(90, Infinity)} of 90 days or more.`;
  body.innerHTML = [
    `<p class="fc-stats__scope">${scope} Days run from midnight to midnight in this browser's time zone. New cards are not counted as due.</p>`,
    section("due", `Due in the next ${statsDays} days`, dueSummary, daily(forecast, 0, "fc-table-due", "Cards due per day", "Cards due")),
    section("reviews", `Reviews in the last ${statsDays} days`, reviewSummary, daily(reviews, statsDays - 1, "fc-table-reviews", "Reviews per day", "Reviews")),
    section(
      "retention",
      "True retention",
      `Last ${statsDays} days: ${retentionText(retention.recent)}. All time: ${retentionText(retention.all)}.`,
      `<p class="fc-stat__note">Of the reviews of cards in the Review state (not learning), the share not graded Again. FSRS aims at 90%.</p>` +
        table(
          "fc-table-retention",
          "True retention",
          ["Period", "Reviews", "Not Again", "Retention"],
          [
            [`Last ${statsDays} days`, retention.recent.reviews, retention.recent.passed, retention.recent.rate === undefined ? "not enough reviews yet" : percent(retention.recent.rate)],
            ["All time", retention.all.reviews, retention.all.passed, retention.all.rate === undefined ? "not enough reviews yet" : percent(retention.all.rate)],
          ],
        ),
    ),
    section(
      "stability",
      "Card stability",
      stabilitySummary,
      `<p class="fc-stat__note">FSRS stability: days until the chance of recalling a card falls to 90%.</p>` +
        bars(
          stability.map((b) => b.count),
          stability.map((b) => b.label),
        ) +
        table(
          "fc-table-stability",
          "Reviewed cards by stability",
          ["Stability", "Cards"],
          stability.map((b) => [b.label, b.count]),
        ),
    ),
  ].join("");
}
