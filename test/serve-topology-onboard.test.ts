// `arclink serve --topology` onboards the file's hosts at start through the real admission path:
// an admitted host's machine records the verdict of its regional HIS (onboardedVia) and the host,
// a refused one is left as the file wrote it. Of each decision the server keeps only the outcome,
// not the check and its trace (a hundred thousand hosts would hold a hundred thousand traces).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { evaluateCheckIn } from "../src/analysis/onboard.js";
import { checkContextOf } from "../src/analysis/checkContext.js";
import { startArcLink } from "../src/server/app.js";
import { referenceEstateWith } from "./helpers/estate.js";

const tmp = mkdtempSync(join(tmpdir(), "arclink-topology-onboard-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("serve --topology onboards the file's hosts at start", () => {
  it("records each admitted host's verdict on its machine, leaves refused ones, and keeps no trace", async () => {
    const file = join(tmp, "estate.yaml");
    // One host in ten asks a public resolver (the firewall refuses it); one machine in five is
    // not associated with the scope (admission refuses it); the others are admitted privately.
    writeFileSync(file, referenceEstateWith(30, { associated: (i) => i % 5 !== 4 }));
    const running = await startArcLink({
      dataDir: join(tmp, "data"),
      port: 0,
      dnsListeners: [],
      topology: file,
    });
    try {
      const s = running.services;
      const ctx = checkContextOf(s);
      const hosts = [...s.network.model().hosts.values()].filter((h) => running.topologyHostKeys.has(h.key));
      assert.equal(running.onboarded.length, hosts.length);
      const byHost = new Map(running.onboarded.map((o) => [o.host, o]));
      const verdicts = new Set<string>();
      for (const h of hosts) {
        const o = byHost.get(h.name)!;
        assert.equal(o.check, undefined, `${h.name}: no check kept`);
        // The same decision against the world as start left it (an onboarding changes only its machine).
        const d = evaluateCheckIn(ctx, h);
        assert.equal(o.connected, d.connected, h.name);
        assert.equal(o.machine, d.machine, h.name);
        const m = s.world.get(d.machineEntry!.id)!.body;
        verdicts.add(`${d.check!.verdict}/${m.properties.status}`);
        if (d.connected) {
          assert.equal(m.properties.status, "Connected", h.name);
          assert.equal(m._arclink.onboardedVia, d.check!.verdict, h.name);
          assert.equal(m._arclink.hostId, h.id, h.name);
          assert.equal(m.properties.agentVersion, "1.45", h.name);
        } else {
          assert.notEqual(m.properties.status, "Connected", h.name);
          assert.equal(m._arclink?.hostId, undefined, h.name);
        }
      }
      assert.deepEqual([...verdicts].sort(), ["private/Connected", "refused/Disconnected"]);
      assert.equal(running.onboarded.filter((o) => o.connected).length, 23);
    } finally {
      await running.close();
    }
  });
});
