// lesson: redis-cluster
// claim: On a three-primary cluster, the hash tag decides both how evenly keys spread and how many commands one multi-key read costs: no tag spreads well but costs a command per key, a tag per read group costs one, and one tag for everything puts every key on one primary.

// Redis Cluster's slot function: CRC16 (XMODEM) of the key, or of its hash tag, modulo 16384.
function crc16(text) {
  let crc = 0;
  for (const byte of Buffer.from(text)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
function slot(key) {
  const open = key.indexOf("{");
  const close = open === -1 ? -1 : key.indexOf("}", open + 1);
  return crc16(close > open + 1 ? key.slice(open + 1, close) : key) % 16384;
}
// Three primaries with the slot ranges redis-cli --cluster create assigns: 0-5460, 5461-10922, 10923-16383.
const primaryOf = (s) => (s <= 5460 ? 0 : s <= 10922 ? 1 : 2);

// A game: 3,000 matches of 20 players each; each match keeps one score key per player, and
// the scoreboard reads all 20 scores of one match at once. Matches are in one of 4 regions.
const MATCHES = 3000;
const PLAYERS = 20;
const layouts = [
  ["no tag", (m, p) => `score:m${m}:p${p}`],
  ["tag per match", (m, p) => `score:{m${m}}:p${p}`],
  ["tag per region", (m, p) => `score:{eu${m % 4}}:m${m}:p${p}`],
  ["one tag for all", (m, p) => `{game}:score:m${m}:p${p}`],
];
console.log("layout            busiest primary  slots used  cmds/read");
const rows = [];
for (const [name, key] of layouts) {
  const perPrimary = [0, 0, 0];
  const slots = new Set();
  let commands = 0;
  for (let m = 0; m < MATCHES; m++) {
    const read = new Set();
    for (let p = 0; p < PLAYERS; p++) {
      const s = slot(key(m, p));
      perPrimary[primaryOf(s)]++;
      slots.add(s);
      read.add(s);
    }
    commands += read.size; // one MGET per slot the read touches
  }
  const busiest = Math.max(...perPrimary) / (MATCHES * PLAYERS);
  console.log(`${name.padEnd(18)}${`${Math.round(busiest * 100)} %`.padStart(15)}${String(slots.size).padStart(12)}${(commands / MATCHES).toFixed(1).padStart(11)}`);
  rows.push({ x: name, y: Math.round(busiest * 100) });
}
console.log("");
console.log(`Even is 33 % per primary; ${PLAYERS} keys in one slot: 1 MGET.`);
// The numbers once more, as data for the chart the lesson shows (the build strips this line).
console.log(`chart: ${JSON.stringify({ kind: "bar", label: "Share of keys on the busiest primary, by key layout", summary: `Busiest primary: ${rows.map((r) => `${r.y} %`).join(", ")} of the keys.`, x: { title: "layout" }, y: { title: "keys on the busiest primary", unit: "%" }, rows })}`);
