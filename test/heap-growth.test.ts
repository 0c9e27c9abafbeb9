// The server's heap policy: `arclink serve` lets V8's heap grow 50 % past what is live before a full
// collection (--heap-growth PERCENT; 0 leaves V8's own heuristic, which lets a fast-allocating
// server grow to several times its live heap). Measured on real servers under the same fleet: the
// peak resident memory each gains over its own start (VmHWM from /proc, Linux).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { arclink, ROOT, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 240_000 };

const peakKiB = (pid: number) =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

/**
 * Peak resident memory a server gains while 20,000 agents onboard and heartbeat twice. At 10,000 a
 * heartbeat makes too little garbage for the policies to part clearly (a heartbeat that changes only
 * its time copies two small objects and writes one short row): V8's own heuristic then peaked only
 * 12-33 % above the bounded server; at 20,000 it peaks 67-100 % above.
 */
async function growthUnderFleet(args: string[]): Promise<{ gainKiB: number; srv: TestServer }> {
  const srv = await startServer({
    args: ["--dns", "none", "--topology", join(ROOT, "examples/reference.yaml"), ...args],
  });
  try {
    const before = peakKiB(srv.info.pid);
    const r = await arclink([
      "fleet",
      "--ready-file",
      srv.readyFile,
      "--machines",
      "20000",
      "--heartbeats",
      "2",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.connected, 20000, JSON.stringify(s.refusedByReason));
    assert.equal(s.heartbeatsAdmitted, 40000);
    return { gainKiB: peakKiB(srv.info.pid) - before, srv };
  } finally {
    await srv.stop();
  }
}

describe("heap growth policy", T, () => {
  it(
    "a served ArcLink peaks at well under what V8's own heuristic lets it reach, same fleet",
    T,
    async () => {
      const bounded = await growthUnderFleet([]);
      const own = await growthUnderFleet(["--heap-growth", "0"]);
      assert.equal(bounded.srv.info.heapGrowthPercent, 50, "the ready file says the policy in force");
      assert.equal(own.srv.info.heapGrowthPercent, 0);
      const ratio = bounded.gainKiB / own.gainKiB;
      assert.ok(
        ratio < 0.75,
        `peak RSS gained: ${Math.round(bounded.gainKiB / 1024)} MiB bounded vs ${Math.round(own.gainKiB / 1024)} MiB with V8's own heuristic (ratio ${ratio.toFixed(2)})`,
      );
    },
  );

  it("--heap-growth takes a whole percent from 0 to 1000, else exit 2 with what to give", T, async () => {
    for (const bad of ["abc", "-5", "1001", "12.5", ""]) {
      const r = await arclink([
        "serve",
        "--dns",
        "none",
        "--port",
        "0",
        "--data",
        "/nonexistent-never-created",
        "--heap-growth",
        bad,
      ]);
      assert.equal(r.code, 2, `--heap-growth '${bad}': ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /--heap-growth must be a whole percent from 0 to 1000/);
    }
  });
});
