/** Print, as a JSON array, the names of the Redis connections that belong to WORKBOOK_NS. */
import { Redis } from "ioredis";

const namespace = process.env.WORKBOOK_NS;
if (!namespace) throw new Error("WORKBOOK_NS is not set");
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
const list = (await redis.client("LIST")) as string;
await redis.quit();
const names = list
  .split("\n")
  .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "")
  .filter((name) => name.startsWith(`${namespace}:`));
process.stdout.write(JSON.stringify(names));
