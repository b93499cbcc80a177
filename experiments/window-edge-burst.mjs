// lesson: rate-limiting
// claim: A fixed window of 100 requests per minute lets a client send 200 in two seconds across the window edge; a token bucket with the same average rate never lets more than its capacity through at once.

const LIMIT = 100; // per 60 s
const WINDOW_MS = 60_000;

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

// Refills LIMIT tokens per window, continuously; holds at most `capacity`.
function tokenBucket(capacity) {
  let tokens = capacity;
  let last = 0;
  return (now) => {
    tokens = Math.min(capacity, tokens + ((now - last) * LIMIT) / WINDOW_MS);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

// The client waits until 59 s, then fires 300 requests over 2 s (one every ~7 ms), across the edge at 60 s.
const burst = Array.from({ length: 300 }, (_, i) => 59_000 + (i * 2_000) / 300);

function run(label, allow) {
  let accepted = 0;
  for (const t of burst) if (allow(t)) accepted++;
  console.log(`${label}: ${String(accepted).padStart(3)} of ${burst.length} accepted between 59 s and 61 s`);
}

console.log(`limit: ${LIMIT} requests per minute (average 1.7/s)`);
run("fixed window          ", fixedWindow());
run("token bucket, cap 100 ", tokenBucket(100));
run("token bucket, cap 20  ", tokenBucket(20));
