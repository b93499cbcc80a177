// lesson: scaling-patterns
// claim: Writes to one hot row queue behind its lock, so adding app instances does not help; splitting the counter over 10 rows cuts the time about tenfold.

const WRITES = 2_000;
const LOCK_MS = 2; // each update holds the row lock for 2 ms

// Virtual time: every update arrives at t=0 from many instances; each row serves one update at a time.
function run(rows) {
  const freeAt = new Array(rows).fill(0);
  let lastDone = 0;
  for (let i = 0; i < WRITES; i++) {
    const row = i % rows; // writers pick a shard row in turn (or at random)
    freeAt[row] += LOCK_MS;
    lastDone = Math.max(lastDone, freeAt[row]);
  }
  // reading the counter now means summing the rows
  return { ms: lastDone, readCost: rows };
}

console.log(`${WRITES.toLocaleString("en")} simultaneous "likes" on one post, ${LOCK_MS} ms row lock per update`);
const chartRows = [];
for (const rows of [1, 10, 100]) {
  const { ms, readCost } = run(rows);
  chartRows.push({ x: `${rows} row${rows > 1 ? "s" : ""}`, y: ms });
  console.log(`${String(rows).padStart(3)} counter row(s): last write done after ${String(ms).padStart(4)} ms; a read sums ${readCost} row(s)`);
}
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Time to the last write, by counter rows", summary: `Last write after ${chartRows[0].y} ms with 1 row, ${chartRows[1].y} with 10, ${chartRows[2].y} with 100.`, x: { title: "counter rows" }, y: { title: "last write done after", unit: "ms" }, rows: chartRows })}`);
