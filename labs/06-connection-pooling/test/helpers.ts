import { MongoClient } from "mongodb";
import { labServices, startInstance, type Instance } from "#kit/testing/index.ts";
import { seedProducts } from "../src/catalog.ts";
import { startCountingProxy, type CountingProxy } from "./tcp-proxy.ts";

export const serverEntry = new URL("../src/server.ts", import.meta.url);

/**
 * Seed the catalogue and put a counting proxy in front of the server that takes writes
 * (the primary, when the test database is a replica set).
 */
export async function pooledFixture(): Promise<{ proxy: CountingProxy; env: Record<string, string>; close(): Promise<void> }> {
  const { mongoUrl, namespace, env } = await labServices(["mongo"]);
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  await seedProducts(client.db(namespace));
  const hello = await client.db("admin").command({ hello: 1 });
  const firstHost = /^mongodb:\/\/(?:[^@/]*@)?([^,/?]+)/.exec(mongoUrl)?.[1] ?? "127.0.0.1:27017";
  const address = String(hello.primary ?? firstHost);
  const [host, port] = address.split(":");
  const proxy = await startCountingProxy({ host: host ?? "127.0.0.1", port: Number(port ?? 27017) });
  return {
    proxy,
    env: { ...env, MONGO_URL: proxy.url, SKIP_SEED: "1" },
    async close() {
      await proxy.close();
      await client.db(namespace).dropDatabase().catch(() => {});
      await client.close();
    },
  };
}

/** Start the app as its own process with extra environment. */
export function startApp(env: Record<string, string>): Promise<Instance> {
  return startInstance({ entry: serverEntry, env });
}

/** Fire `count` requests at once; resolve with their statuses. */
export async function burst(url: string, count: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const res = await fetch(`${url}/products/SKU-${String((i % 200) + 1).padStart(4, "0")}`);
      await res.arrayBuffer();
      return res.status;
    }),
  );
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
