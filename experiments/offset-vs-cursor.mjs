// lesson: pagination
// claim: Offset pagination walks past every earlier entry, so its cost grows with the page number; a cursor seeks and reads one page at any depth.

// 250,000 entries sorted by id, like an index on _id. Each test counts the index entries touched.
const TOTAL = 250_000;
const LIMIT = 20;
const ids = Array.from({ length: TOTAL }, (_, i) => i * 3 + 1); // sorted, unique, with gaps

function offsetPage(page) {
  let examined = 0;
  const skip = (page - 1) * LIMIT;
  const out = [];
  for (let i = 0; i < ids.length && out.length < LIMIT; i++) {
    examined++; // a skipped entry is still read, then thrown away
    if (i >= skip) out.push(ids[i]);
  }
  return { out, examined };
}

function cursorPage(after) {
  let examined = 0;
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    // a B-tree seek: about log2(n) comparisons to find the first id > after
    const mid = (lo + hi) >> 1;
    examined++;
    if (ids[mid] <= after) lo = mid + 1;
    else hi = mid;
  }
  const out = ids.slice(lo, lo + LIMIT);
  return { out, examined: examined + out.length };
}

console.log(`${TOTAL.toLocaleString("en")} entries, ${LIMIT} per page`);
console.log("page     offset examined   cursor examined   same rows?");
const rows = [];
for (const page of [1, 100, 10_000]) {
  const offset = offsetPage(page);
  const lastOfPreviousPage = page === 1 ? 0 : ids[(page - 1) * LIMIT - 1];
  const cursor = cursorPage(lastOfPreviousPage);
  const same = offset.out.join() === cursor.out.join();
  console.log(`${String(page).padStart(6)}  ${String(offset.examined).padStart(15)}  ${String(cursor.examined).padStart(16)}   ${same ? "yes" : "NO"}`);
  if (!same) process.exitCode = 1;
  rows.push({ x: page, y: offset.examined, series: "offset" }, { x: page, y: cursor.examined, series: "cursor" });
}
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
const last = rows.slice(-2);
console.log(`chart: ${JSON.stringify({ kind: "line", label: "Entries examined against page number", summary: `At page ${last[0].x}, offset examines ${last[0].y} entries, the cursor ${last[1].y}.`, x: { title: "page", log: true }, y: { title: "entries examined", log: true }, rows })}`);
