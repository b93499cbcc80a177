import assert from "node:assert/strict";
import http from "node:http";
import { before, test } from "node:test";
import { startCluster, type Cluster } from "./helpers.ts";

// The instances' /admin routes are for operators, who reach each instance directly. Clients reach
// only HAProxy, which must refuse them every spelling the app, or any server after it, could take
// for /admin: another letter case, percent-encoded letters or dots, doubled slashes, dot segments.
let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});

interface Raw {
  status: number;
  instance: string;
}

/** One request with the request line exactly as given: fetch() and URL would tidy the path up first. */
function raw(base: string, method: string, path: string, body?: string): Promise<Raw> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
    const req = http.request({ host: hostname, port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, instance: String(res.headers["x-instance"] ?? "") }));
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer to ${method} ${path} within 20 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

const adminLines = (cluster: Cluster) => cluster.apps.map((app) => app.output().match(/\[admin\]/g)?.length ?? 0).reduce((a, b) => a + b, 0);

const spellings = [
  "/admin/ready",
  "/ADMIN/ready",
  "/Admin/Ready",
  "/aDmIn/ready",
  "/%61dmin/ready",
  "/%41DMIN/ready",
  "/adm%69n/ready",
  "/%61%64%6D%69%6E/ready",
  "//admin/ready",
  "///admin/ready",
  "/./admin/ready",
  "/.//./admin/ready",
  "/%2e/admin/ready",
  "/work/../admin/ready",
  "/work/%2E%2E/ADMIN/ready",
  "/../admin/ready",
  "/%2e%2e/admin/ready",
  "/admin/ready?from=outside",
  "/admin/",
  "/admin",
];

test("HAProxy itself refuses every spelling of an /admin path, for every method, and still serves the rest", async () => {
  const url = cluster.lb.url;
  const before = adminLines(cluster);
  const forwarded: string[] = [];
  const requests: [string, string][] = [
    ...spellings.map((path): [string, string] => ["PUT", path]),
    ["GET", "/admin/ready"],
    ["POST", "/ADMIN/ready"],
    ["DELETE", "/admin"],
    // The absolute form of the request line, as a client talking to a proxy sends it.
    ["PUT", `${url}/ADMIN/ready`],
  ];
  for (const [method, path] of requests) {
    const answer = await raw(url, method, path, method === "PUT" || method === "POST" ? '{"ready": true}' : undefined);
    const refusedByHaproxy = (answer.status === 403 || answer.status === 400) && answer.instance === "";
    if (!refusedByHaproxy) forwarded.push(`${method} ${path} -> ${answer.status}${answer.instance ? ` from ${answer.instance}` : ""}`);
  }
  assert.deepEqual(
    forwarded,
    [],
    `expected HAProxy to answer 403 (or 400) itself to every request for an /admin path, whatever its spelling or method; these got through to an instance (X-Instance set) or got another status:\n  ${forwarded.join("\n  ")}`,
  );
  assert.equal(adminLines(cluster) - before, 0, "no request from outside may reach an instance's /admin handler; the instances logged [admin] lines");
  for (const path of ["/work", "/work?items=3", "/health/live"]) {
    const answer = await raw(url, "GET", path);
    assert.equal(answer.status, 200, `GET ${path} through HAProxy should still answer 200 from an instance; got ${answer.status}. Refuse the /admin paths, not everything`);
    assert.notEqual(answer.instance, "", `GET ${path} should be answered by an instance (X-Instance), not by HAProxy`);
  }
});

// HAProxy is not the only way in: operators, sidecars and other services reach instances directly.
// A spelling the balancer misses must find no handler in the app either.
test("an instance routes /admin with its exact case: PUT /ADMIN/ready and /Admin/ready find no handler", async () => {
  const app = cluster.apps[0]!;
  const before = adminLines(cluster);
  for (const path of ["/ADMIN/ready", "/Admin/ready", "/admin/READY"]) {
    const answer = await raw(app.url, "PUT", path, '{"ready": false}');
    assert.equal(answer.status, 404, `PUT ${path} straight to ${app.name} should answer 404 (no such route: routes are case-sensitive); got ${answer.status}`);
  }
  assert.equal(adminLines(cluster) - before, 0, "PUT /ADMIN/ready must not reach the /admin/ready handler (it logged an [admin] line)");
  const exact = await raw(app.url, "PUT", "/admin/ready", '{"ready": true}');
  assert.equal(exact.status, 200, `PUT /admin/ready straight to ${app.name} should still work for operators; got ${exact.status}`);
});
