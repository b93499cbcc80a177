import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, test } from "node:test";
import { configFile, countBy, describeFailures, load, startCluster, type Cluster } from "./helpers.ts";

// app3 takes 200 ms per request, app1 and app2 10 ms: 20 times slower. Eight clients send 240
// requests in all. Taking turns gives app3 a third of them, and every one of those waits 200 ms;
// picking the server with the fewest requests in flight sends app3 only what it can keep up with.
let cluster: Cluster;
before(async () => {
  cluster = await startCluster({ workMs: [10, 10, 200] });
});

test("a server 20 times slower than the others gets a small share of the requests, and the fast ones share the rest", async () => {
  const answers = await load(cluster.lb.url, { total: 240, concurrency: 8 });
  assert.equal(answers.filter((a) => a.status !== 200).length, 0, `every request should succeed; ${describeFailures(answers)}`);
  const counts = countBy(answers);
  const slowShare = counts.app3! / answers.length;
  assert.ok(
    slowShare < 0.2,
    `expected the slow app3 to get under a fifth of the requests while it is busy (taking turns gives it a third); it got ${counts.app3} of ${answers.length} (${Math.round(slowShare * 100)} %). Counts: ${JSON.stringify(counts)}`,
  );
  for (const fast of ["app1", "app2"]) {
    assert.ok(
      counts[fast]! >= answers.length * 0.3,
      `expected both fast servers to share the load (at least 30 % each); ${fast} got ${counts[fast]} of ${answers.length}. Counts: ${JSON.stringify(counts)}. A balancer that fills one server first, or hashes every request of one client to one server, does this`,
    );
  }
});

// One keep-alive client, one request at a time: every request travels on the same connection.
// (The same cluster, app3 still slow: one request at a time never finds a server busy.)
// With every server idle between requests, "fewest in flight" is a tie each time, and a tie must
// not always go to the same server; a balancer that picks per connection sends them all to one.
test("one client sending one request at a time is spread over all three servers", async () => {
  const answers = await load(cluster.lb.url, { total: 60, concurrency: 1 });
  const counts = countBy(answers);
  for (const name of ["app1", "app2", "app3"]) {
    assert.ok(counts[name]! >= 10, `expected each server to get at least 10 of 60 sequential requests from one keep-alive client; counts: ${JSON.stringify(counts)}. A balancer that picks a server per connection (mode tcp) sends every request of a connection to one server`);
  }
});

// A bare number in an HAProxy time setting is milliseconds: "timeout connect 1" gives up on a
// connection after 1 ms. On this machine's loopback a connection opens in well under that, so no
// request here would show the mistake; across a real network every connection would fail. So the
// file itself is read: every time setting must say its unit.
test("every time setting in haproxy.cfg names its unit (a bare number is milliseconds)", () => {
  const bare: string[] = [];
  readFileSync(configFile, "utf8")
    .split("\n")
    .forEach((raw, i) => {
      const line = raw.replace(/#.*/, "").trim();
      const values = [/^timeout\s+\S+\s+(\S+)/.exec(line)?.[1], ...[...line.matchAll(/\b(?:inter|fastinter|downinter|slowstart)\s+(\S+)/g)].map((m) => m[1])];
      if (values.some((value) => value !== undefined && /^\d+$/.test(value))) bare.push(`line ${i + 1}: ${line}`);
    });
  assert.deepEqual(bare, [], `a time without its unit is milliseconds in HAProxy; write "1s", "500ms", "30s"... Bare numbers in:\n${bare.join("\n")}`);
});
