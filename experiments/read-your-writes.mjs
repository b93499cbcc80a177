// lesson: read-replicas
// claim: Reading your own write from a lagging replica returns stale data for a noticeable share of requests; routing a user's reads to the primary for a short window after they write removes it.

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USERS = 10_000;
const WINDOW_MS = 1_000; // "read from the primary for 1 s after your own write"

// Each user saves a profile, then the page reloads and reads it back. In virtual time:
// replication lag is usually ~20-80 ms with a long tail; the read comes 50-300 ms after the write.
function run(policy) {
  const random = mulberry32(11);
  let stale = 0;
  let primaryReads = 0;
  let otherReads = 0;
  for (let user = 0; user < USERS; user++) {
    const lagMs = 20 + random() * 60 + (random() < 0.05 ? random() * 2_000 : 0);
    const readAfterMs = 50 + random() * 250;
    const toPrimary = policy === "sticky-primary" && readAfterMs < WINDOW_MS;
    if (toPrimary) primaryReads++;
    else if (readAfterMs < lagMs) stale++; // the replica has not applied the write yet
    // nine more reads of other users' data, always fine on a replica
    otherReads += 9;
  }
  return { stale, primaryShare: primaryReads / (USERS + otherReads) };
}

console.log(`${USERS.toLocaleString("en")} users write, then read their own data back`);
const rows = [];
for (const policy of ["replica", "sticky-primary"]) {
  const { stale, primaryShare } = run(policy);
  const label = policy === "replica" ? "all reads on a replica     " : "primary for 1 s after write";
  console.log(`${label}: ${String(stale).padStart(4)} stale reads (${((stale / USERS) * 100).toFixed(1)} %), ${(primaryShare * 100).toFixed(0)} % of reads on the primary`);
  rows.push({ x: policy === "replica" ? "all on a replica" : "primary for 1 s", y: stale });
}
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Users who read a stale copy of their own write", summary: `Of ${USERS.toLocaleString("en")} users, ${rows[0].y} read stale data with every read on a replica, ${rows[1].y} with the primary for 1 s after a write.`, x: { title: "where the read goes" }, y: { title: "stale reads", unit: `of ${USERS.toLocaleString("en")}` }, rows })}`);
