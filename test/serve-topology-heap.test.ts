// `arclink serve --topology`: while the file is applied at start and its hosts onboarded, the heap
// grows as V8 decides (ArcLink's cap on heap growth costs that burst of writes more than a quarter of
// its CPU); once they are done the cap is in force again. A growth given to node itself is left alone.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startArcLink } from "../src/server/app.js";
import { boundHeapGrowth, HeapGrowth, heapGrowth } from "../src/server/heapGrowth.js";
import { uncapHeapWhileApplying } from "../src/server/topologyAtStart.js";
import { ROOT } from "./helpers/server.js";

const tmp = mkdtempSync(join(tmpdir(), "arclink-topology-heap-"));
after(() => {
  boundHeapGrowth();
  rmSync(tmp, { recursive: true, force: true });
});

/** The reference file's Azure side and site (no DNS listeners) with `n` hosts and their machines. */
function topology(n: number): string {
  const ref = readFileSync(join(ROOT, "examples/reference.yaml"), "utf8");
  const hosts: string[] = [];
  const machines: string[] = [];
  for (let i = 0; i < n; i++) {
    hosts.push(
      `  - { name: srv-${i}, site: onprem, ipAddress: 192.168.7.${i + 10}, os: Linux, dnsServers: [dc01] }`,
    );
    machines.push(`  - { name: srv-${i}, location: eastus, privateLinkScope: pls-arc }`);
  }
  return `${ref.slice(0, ref.indexOf("\nhosts:"))}\nhosts:\n${hosts.join("\n")}\n\nmachines:\n${machines.join("\n")}\n`;
}

describe("heap growth while a topology is applied at start", () => {
  it("is V8's own while the file is written, and the server's cap once it is ready", async () => {
    const file = join(tmp, "estate.yaml");
    writeFileSync(file, topology(20));
    // The log line that reports the file applied is written between its writes and the onboarding.
    let whileApplying: HeapGrowth | undefined;
    const running = await startArcLink({
      dataDir: join(tmp, "data"),
      port: 0,
      dnsListeners: [],
      topology: file,
      heapGrowthPercent: 40,
      log: (line) => {
        if (line.startsWith("topology ")) whileApplying = heapGrowth();
      },
    });
    try {
      assert.deepEqual(whileApplying, { percent: 0, by: "v8" });
      assert.deepEqual(heapGrowth(), { percent: 40, by: "arclink" });
      assert.equal(running.info.heapGrowthPercent, 40);
      assert.equal(running.onboarded.filter((o) => o.connected).length, 20);
    } finally {
      await running.close();
    }
  });

  it("puts back the cap in force before, and leaves V8's own growth alone", () => {
    boundHeapGrowth(75);
    const again = uncapHeapWhileApplying();
    assert.deepEqual(heapGrowth(), { percent: 0, by: "v8" });
    again();
    assert.deepEqual(heapGrowth(), { percent: 75, by: "arclink" });
    boundHeapGrowth(0);
    uncapHeapWhileApplying()();
    assert.deepEqual(heapGrowth(), { percent: 0, by: "v8" });
  });
});
