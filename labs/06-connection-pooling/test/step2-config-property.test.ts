// loadConfig as a property: for ANY string in one of the four pool variables, it either returns
// exactly that whole number (only ASCII digits, inside the README's range) or throws a ConfigError
// that names the variable. fast-check runs with a fixed seed; a failure prints the smallest input.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError, loadConfig, type Config } from "../src/config.ts";

type PoolKey = "maxPoolSize" | "minPoolSize" | "serverSelectionTimeoutMS" | "maxIdleTimeMS";
const variables: { name: string; key: PoolKey; min: number; max: number; fallback: number; others?: Record<string, string> }[] = [
  // With the minimum at 0, so that a maximum of 1 is not refused for being below the default minimum.
  { name: "MONGO_MAX_POOL_SIZE", key: "maxPoolSize", min: 1, max: 500, fallback: 20, others: { MONGO_MIN_POOL_SIZE: "0" } },
  { name: "MONGO_MIN_POOL_SIZE", key: "minPoolSize", min: 0, max: 20, fallback: 2 }, // at most the default maximum, 20
  { name: "MONGO_SERVER_SELECTION_TIMEOUT_MS", key: "serverSelectionTimeoutMS", min: 100, max: 60_000, fallback: 2000 },
  { name: "MONGO_MAX_IDLE_TIME_MS", key: "maxIdleTimeMS", min: 0, max: 3_600_000, fallback: 60_000 },
];

const tricky = fc.constantFrom("1e3", "0x10", " 5", "5 ", "+5", "-5", "05", "5.0", "5.5", "2s", "2000ms", "1_000", "Infinity", "NaN", "٥", "true", "null", "0", "00", "99999999999999999999");
const digits = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 9 });
const numbersNearRanges = fc.integer({ min: -10, max: 3_700_000 }).map(String);
const values = fc.oneof(tricky, digits, numbersNearRanges, fc.string({ maxLength: 12 }), fc.double().map(String));

/** The README's contract: loadConfig returns the pool settings under config.pool. */
type PoolConfig = Config & { pool?: Partial<Record<PoolKey, number>> };

function outcome(env: Record<string, string>): { config: PoolConfig } | { error: unknown } {
  try {
    return { config: loadConfig(env) as PoolConfig };
  } catch (error) {
    return { error };
  }
}

describe("pool variables are whole numbers written in digits, inside the README's ranges", () => {
  for (const variable of variables) {
    it(`${variable.name}: any value is either exactly that number (${variable.min}-${variable.max}) or a ConfigError naming it`, () => {
      fc.assert(
        fc.property(values, (raw) => {
          const result = outcome({ ...variable.others, [variable.name]: raw });
          const valid = raw === "" || (/^[0-9]+$/.test(raw) && Number(raw) >= variable.min && Number(raw) <= variable.max);
          const expected = raw === "" ? variable.fallback : Number(raw);
          if (valid) {
            assert.ok("config" in result, `${variable.name}=${JSON.stringify(raw)}: expected it to be accepted as ${expected}; loadConfig threw ${String((result as { error?: unknown }).error)}`);
            assert.equal(result.config.pool?.[variable.key], expected, `${variable.name}=${JSON.stringify(raw)}: expected config.pool.${variable.key} to be ${expected}; got ${JSON.stringify((result as { config?: PoolConfig }).config?.pool?.[variable.key])}`);
          } else {
            assert.ok("error" in result, `${variable.name}=${JSON.stringify(raw)}: expected a ConfigError (only ASCII digits, ${variable.min}-${variable.max}); loadConfig returned pool ${JSON.stringify((result as { config?: PoolConfig }).config?.pool)}`);
            assert.ok(result.error instanceof ConfigError, `${variable.name}=${JSON.stringify(raw)}: expected a ConfigError; got ${String((result as { error?: unknown }).error)}`);
            assert.ok(result.error.message.includes(variable.name), `${variable.name}=${JSON.stringify(raw)}: expected the error message to name ${variable.name}; it says: ${(result as { error?: Error }).error?.message}`);
          }
        }),
        { numRuns: 400, seed: 606 },
      );
    });
  }

  it("any pair with MONGO_MIN_POOL_SIZE above MONGO_MAX_POOL_SIZE is refused, naming MONGO_MIN_POOL_SIZE; any pair with min <= max is accepted", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 500 }), (max, min) => {
        const result = outcome({ MONGO_MAX_POOL_SIZE: String(max), MONGO_MIN_POOL_SIZE: String(min) });
        if (min <= max) {
          assert.ok("config" in result, `max ${max}, min ${min}: expected it to be accepted; got ${String((result as { error: unknown }).error)}`);
          assert.deepEqual([result.config.pool?.maxPoolSize, result.config.pool?.minPoolSize], [max, min]);
        } else {
          assert.ok("error" in result && result.error instanceof ConfigError, `max ${max}, min ${min}: expected a ConfigError`);
          assert.ok(result.error.message.includes("MONGO_MIN_POOL_SIZE"), `max ${max}, min ${min}: expected the error to name MONGO_MIN_POOL_SIZE; it says: ${(result as { error?: Error }).error?.message}`);
        }
      }),
      { numRuns: 300, seed: 607 },
    );
  });
});
