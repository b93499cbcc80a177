import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const runAll = fileURLToPath(new URL("./run-all.ts", import.meta.url));

test("npm test runs every part after an early failure, reports each and exits non-zero", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "run-all-"));
  try {
    await writeFile(
      path.join(dir, "package.json"),
      JSON.stringify({
        name: "run-all-fixture",
        private: true,
        scripts: {
          first: "node -e \"process.exit(3)\"",
          second: "node -e \"require('node:fs').writeFileSync('second-ran', '')\"",
          third: "node -e \"process.exit(1)\"",
        },
      }),
    );
    const result = spawnSync(process.execPath, [runAll, "first", "second", "third"], { cwd: dir, encoding: "utf8" });
    assert.equal(result.status, 1, `expected exit code 1 when a part fails; got ${result.status}\n${result.stdout}${result.stderr}`);
    assert.ok(existsSync(path.join(dir, "second-ran")), "expected the part after the failing one to run anyway");
    assert.match(result.stdout, /FAILED\s+npm run first\s+\(\d+\.\d s, exit 3\)/);
    assert.match(result.stdout, /ok\s+npm run second\s+\(\d+\.\d s\)$/m);
    assert.match(result.stdout, /FAILED\s+npm run third/);
    assert.match(result.stdout, /^parts: 1 passed, 2 failed$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("npm test exits 0 when every part passes", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "run-all-"));
  try {
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "f", private: true, scripts: { only: "node -e \"\"" } }));
    const result = spawnSync(process.execPath, [runAll, "only"], { cwd: dir, encoding: "utf8" });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^parts: 1 passed, 0 failed$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
