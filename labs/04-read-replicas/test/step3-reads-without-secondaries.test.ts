/**
 * Step 3, continued: an ordinary profile read prefers a secondary but must not depend on one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readsSince } from "./helpers.ts";
import { lostSecondariesFixture, serverSelectionTimeoutMS } from "./lost-secondaries.ts";

describe("step 3: profile reads keep working when every secondary is gone", () => {
  it("with both secondaries down, reading a profile (no marker) still answers 200, from the primary", async (t) => {
    const lost = await lostSecondariesFixture(`lost_profiles_${process.pid}`);
    t.after(() => lost.close());
    const id = lost.profiles[0]!._id.toHexString();
    await lost.loseSecondaries();
    const from = lost.commands.length;
    const res = await fetch(`${lost.url}/profiles/${id}`);
    assert.equal(
      res.status,
      200,
      `expected an ordinary profile read to fall back to the primary when no secondary is up; got ${res.status} ` +
        `(a read that accepts only a secondary fails after the driver's ${serverSelectionTimeoutMS} ms server selection timeout).`,
    );
    assert.equal(((await res.json()) as { id?: string }).id, id);
    assert.ok(readsSince(lost.commands, from, "find").every((c) => c.address === lost.primary), "expected the fallback read to run on the primary");
  });
});
