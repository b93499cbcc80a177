// lesson: rate-limiting
// claim: For "100 per 10 s", a client that fires its first burst just before a window boundary and then keeps asking gets about 200 requests into one 10-second span from a fixed window, a sliding window counter and a token bucket, and exactly 100 from a sliding window log; evenly spread traffic at 15 a second gets 100 from the three windows, and all 150 it sends from the bucket.

const LIMIT = 100;
const WINDOW_MS = 10_000;

// Each limiter is a function of the time in ms (called in increasing order) that answers admit or refuse.

function fixedWindow() {
  const counts = new Map();
  return (now) => {
    const window = Math.floor(now / WINDOW_MS);
    const used = counts.get(window) ?? 0;
    if (used >= LIMIT) return false;
    counts.set(window, used + 1);
    return true;
  };
}

// One timestamp per admitted request; count those in the last WINDOW_MS.
function slidingLog() {
  const log = [];
  return (now) => {
    while (log.length > 0 && log[0] <= now - WINDOW_MS) log.shift();
    if (log.length >= LIMIT) return false;
    log.push(now);
    return true;
  };
}

// Two counters: this fixed window's, and the previous one's weighted by how much of it still overlaps.
function slidingCounter() {
  const counts = new Map();
  return (now) => {
    const window = Math.floor(now / WINDOW_MS);
    const elapsed = (now % WINDOW_MS) / WINDOW_MS;
    const current = counts.get(window) ?? 0;
    const estimate = (counts.get(window - 1) ?? 0) * (1 - elapsed) + current;
    if (estimate >= LIMIT) return false;
    counts.set(window, current + 1);
    return true;
  };
}

// Holds up to LIMIT tokens and refills LIMIT per WINDOW_MS, continuously; starts full.
function tokenBucket() {
  let tokens = LIMIT;
  let last = 0;
  return (now) => {
    tokens = Math.min(LIMIT, tokens + ((now - last) * LIMIT) / WINDOW_MS);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** The most admitted requests in any span of WINDOW_MS (the span starts at an admitted request). */
function worstWindow(times) {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (j < times.length && times[j] < times[i] + WINDOW_MS) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

function admittedTimes(limiter, requests) {
  return requests.filter((t) => limiter(t));
}

// Adversary: silent until 9.5 s, just before the first boundary at 10 s, then one request every
// millisecond until 40 s: it takes everything each algorithm offers, the moment it is offered.
const adversary = Array.from({ length: 30_500 }, (_, i) => 9_500 + i);
// Evenly spread: 15 requests a second for 40 s, 1.5 times the policy's rate. Whole milliseconds, so
// that 150 gaps add up to exactly 10 s (fractional times would round some spans below 10 s).
const even = Array.from({ length: 600 }, (_, i) => Math.round((i * 1_000) / 15));

const algorithms = [
  ["fixed window", fixedWindow],
  ["sliding log", slidingLog],
  ["sliding counter", slidingCounter],
  ["token bucket", tokenBucket],
];

console.log(`policy: ${LIMIT} requests per ${WINDOW_MS / 1000} s`);
console.log("most admitted in any 10 s span:");
console.log("                 burst at edge   even 15/s");
const rows = [];
for (const [name, make] of algorithms) {
  const burst = worstWindow(admittedTimes(make(), adversary));
  const spread = worstWindow(admittedTimes(make(), even));
  console.log(`${name.padEnd(17)}${String(burst).padStart(13)}${String(spread).padStart(12)}`);
  rows.push({ x: name, y: burst, series: "burst at the window edge" }, { x: name, y: spread, series: "even 15/s" });
}
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
const burstOf = (name) => rows.find((r) => r.x === name).y;
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Most requests admitted in any 10 s, by algorithm", summary: `Edge burst: a fixed window admits ${burstOf("fixed window")}, a sliding log ${burstOf("sliding log")} (limit ${LIMIT}).`, x: { title: "algorithm" }, y: { title: "most admitted in any 10 s" }, rows })}`);
