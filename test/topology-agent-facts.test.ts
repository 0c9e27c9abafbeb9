// What a topology file says Azure knows from each machine's agent — agentVersion, proxyBypass,
// incomingConnectionsPorts, extensions, associatedMinutesAgo / associatedAt — and that check
// (POST …/ArcLink.Lab/check), lint and the fleet (its start-up onboarding of the file's hosts, and
// `arclink fleet --agent-version`) read it without any agent running. The server
// applies the file at start (`arclink serve --topology`), as users do.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import {
  advanceClock,
  getMachine,
  HC,
  LAB,
  labCheck,
  lintFindings,
  machineId,
  rgPath,
} from "./helpers/agent.js";
import { arclink, ROOT, startServer, type TestServer } from "./helpers/server.js";
import { loadTopology, TopologyError } from "../src/topology/parse.js";
import { plan } from "../src/topology/plan.js";

const T = { timeout: 180_000 };

const MACHINES = `
proxies:
  - name: squid
    site: onprem
    ipAddress: 192.168.1.30
    port: 3128

machines:
  - name: srv-win-01
    location: eastus
    privateLinkScope: pls-arc
    agentVersion: "1.3"
    extensions:
      - publisher: Microsoft.Azure.Monitor
        type: AzureMonitorWindowsAgent
        workspaceId: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0
  - name: srv-lnx-01
    location: eastus
    privateLinkScope: pls-arc
    associatedMinutesAgo: 5
    incomingConnectionsPorts: [22]
  - name: srv-lnx-02
    location: eastus
    privateLinkScope: pls-arc
    agentVersion: 1.45.02983.1834
    proxyBypass: [Arc]
    associatedAt: "2020-01-01T00:00:00Z"
`;

/** The reference rollout with the machines above, srv-lnx-02 behind the proxy and asking dc01. */
function topologyText(): string {
  const ref = readFileSync(join(ROOT, "examples/reference.yaml"), "utf8");
  const head = ref.slice(0, ref.indexOf("\nmachines:"));
  const dns = ref.slice(ref.indexOf("\ndns:"));
  return (
    head
      .replace(
        "    dnsServers: [8.8.8.8]\n",
        "    dnsServers: [dc01]\n    proxyUrl: http://192.168.1.30:3128\n",
      )
      .replace(
        "    ipAddress: 192.168.1.21\n    os: Windows\n",
        '    ipAddress: 192.168.1.21\n    os: Windows\n    osVersion: "10.0.20348"\n    osSku: Windows Server 2022 Datacenter\n',
      ) +
    MACHINES +
    dns
  );
}

let srv: TestServer;
let tmp: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "topo-facts-"));
  const file = join(tmp, "facts.yaml");
  writeFileSync(file, topologyText());
  srv = await startServer({ args: ["--topology", file] });
});

after(async () => {
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("topology: what Azure knows from each machine's agent", () => {
  it("a host's osVersion and osSku reach its lab host, for its agent to report", T, async () => {
    const host = await arm(srv.info, "GET", rgPath(srv, `ArcLink.Lab/hosts/srv-win-01?${LAB}`));
    assert.equal(host.status, 200, host.text);
    assert.equal(host.json.properties.osVersion, "10.0.20348");
    assert.equal(host.json.properties.osSku, "Windows Server 2022 Datacenter");
    assert.equal(host.json.properties.osEdition, undefined);
  });

  it("the file is validated: bad versions, ports, keywords and contradictory times are refused with their paths", () => {
    const bad = (machine: string, pattern: RegExp) => {
      const text = topologyText().replace(
        MACHINES,
        `\nmachines:\n  - name: srv-win-01\n    privateLinkScope: pls-arc\n${machine}`,
      );
      assert.throws(
        () => loadTopology(text),
        (e: unknown) => e instanceof TopologyError && pattern.test(e.message),
      );
    };
    bad('    agentVersion: "one"\n', /machines\[0\]\.agentVersion: 'one' is not an agent version/);
    bad(
      "    incomingConnectionsPorts: [70000]\n",
      /incomingConnectionsPorts\[0\]: '70000' is not a TCP port/,
    );
    bad("    proxyBypass: [Storage]\n", /proxyBypass\[0\]: 'Storage' is not one of/);
    bad(
      '    associatedMinutesAgo: 3\n    associatedAt: "2020-01-01T00:00:00Z"\n',
      /associatedAt: give associatedAt or associatedMinutesAgo, not both/,
    );
    assert.throws(
      () =>
        loadTopology(
          topologyText().replace(
            MACHINES,
            "\nmachines:\n  - name: srv-win-01\n    associatedMinutesAgo: 3\n",
          ),
        ),
      /associatedMinutesAgo: a machine without privateLinkScope has no association time/,
    );
    // The plan: the extension as a child resource, the facts as the machine's agent report.
    const p = plan(topologyText(), { subscriptionId: "00000000-0000-0000-0000-000000000000" });
    const types = p.steps.map((s) => `${s.type} ${s.name}`);
    assert.ok(
      types.includes("Microsoft.HybridCompute/machines/extensions srv-win-01/AzureMonitorWindowsAgent"),
    );
    const report = p.steps.find((s) => s.type === "ArcLink.Lab/agentReports" && s.name === "srv-lnx-01");
    assert.deepEqual(report?.body.properties, {
      machineId: machineIdOf(p.subscriptionId, "srv-lnx-01"),
      incomingConnectionsPorts: ["22"],
      associatedMinutesAgo: 5,
    });
  });

  it(
    "agentVersion: the machine shows it, check refuses the private endpoint and lint names it",
    T,
    async () => {
      const m = await getMachine(srv, "srv-win-01");
      assert.equal(m.json.properties.agentVersion, "1.3");
      // The start-up onboarding of the file's hosts (the fleet's check-in path) refused it, and
      // srv-lnx-01 (association still propagating); srv-lnx-02's went through.
      assert.notEqual(m.json.properties.status, "Connected");
      assert.notEqual((await getMachine(srv, "srv-lnx-01")).json.properties.status, "Connected");
      assert.equal((await getMachine(srv, "srv-lnx-02")).json.properties.status, "Connected");
      const rows = await labCheck(srv, "srv-win-01");
      assert.equal(rows["gbl.his.arc.azure.com"].verdict, "refused");
      assert.equal(rows["gbl.his.arc.azure.com"].reason, "AgentVersionTooOld");
      const f = await lintFindings(srv, "agent-too-old");
      assert.ok(
        f.some((x) => /srv-win-01 1\.3/.test(x.message)),
        JSON.stringify(f),
      );
    },
  );

  it("extensions: a real child resource, and lint sees its service has no private endpoint", T, async () => {
    const e = await arm(
      srv.info,
      "GET",
      `${machineId(srv, "srv-win-01")}/extensions/AzureMonitorWindowsAgent?${HC}`,
    );
    assert.equal(e.status, 200, e.text);
    assert.equal(e.json.properties.publisher, "Microsoft.Azure.Monitor");
    assert.deepEqual(e.json.properties.settings, { workspaceId: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" });
    const f = await lintFindings(srv, "extension-service-no-private-endpoint");
    assert.ok(
      f.some((x) => /srv-win-01/.test(JSON.stringify(x)) && /Azure Monitor/.test(x.message)),
      JSON.stringify(f),
    );
  });

  it(
    "associatedMinutesAgo: check refuses until the propagation delay has passed on the virtual clock",
    T,
    async () => {
      let row = (await labCheck(srv, "srv-lnx-01"))["eus.his.arc.azure.com"];
      assert.equal(row.verdict, "refused", JSON.stringify(row));
      assert.equal(row.reason, "AssociationNotYetPropagated");
      // Five minutes before the file was applied (the virtual clock has run on a little since).
      const ago = Number(/associated with pls-arc (\d+) minutes? ago/.exec(row.message)?.[1]);
      assert.ok(ago >= 5 && ago < 15, row.message);
      const f = await lintFindings(srv, "association-propagating");
      assert.ok(
        f.some((x) => /srv-lnx-01/.test(JSON.stringify(x))),
        JSON.stringify(f),
      );
      await advanceClock(srv, 11);
      row = (await labCheck(srv, "srv-lnx-01"))["eus.his.arc.azure.com"];
      assert.equal(row.verdict, "private", JSON.stringify(row));
    },
  );

  it("incomingConnectionsPorts: lint reports SSH expected over Private Link", T, async () => {
    const m = await getMachine(srv, "srv-lnx-01");
    assert.deepEqual(m.json.properties.agentConfiguration.incomingConnectionsPorts, ["22"]);
    const f = await lintFindings(srv, "remote-access-over-private-link");
    assert.ok(
      f.some((x) => /srv-lnx-01/.test(x.message) && /SSH/.test(x.message)),
      JSON.stringify(f),
    );
  });

  it(
    "proxyBypass and associatedAt: Arc goes direct past the host's proxy; an old association is accepted",
    T,
    async () => {
      const m = await getMachine(srv, "srv-lnx-02");
      assert.deepEqual(m.json.properties.agentConfiguration.proxyBypass, ["Arc"]);
      const rows = await labCheck(srv, "srv-lnx-02");
      assert.equal(
        rows["gbl.his.arc.azure.com"].verdict,
        "private",
        JSON.stringify(rows["gbl.his.arc.azure.com"]),
      );
      assert.ok(
        rows["management.azure.com"].trace.some((s: any) => s.at === "proxy" && /to proxy/.test(s.what)),
      );
      assert.ok(!(await lintFindings(srv, "proxy-without-bypass")).some((x) => /srv-lnx-02/.test(x.message)));
      const report = await arm(
        srv.info,
        "GET",
        `${rgPath(srv, "ArcLink.Lab/agentReports/srv-lnx-02")}?${LAB}`,
      );
      assert.equal(report.status, 200, report.text);
      assert.equal(report.json.properties.associatedAt, "2020-01-01T00:00:00.000Z");
    },
  );

  it(
    "the fleet's agents run the version it is given: 1.3 is refused at the private endpoint",
    T,
    async () => {
      const run = (args: string[]) =>
        arclink(["fleet", "--ready-file", srv.readyFile, "--machines", "5", "--heartbeats", "0", ...args]);
      let r = await run(["--agent-version", "1.3", "--name-prefix", "fv", "--json", "--allow-refused"]);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout);
      assert.equal(s.connected, 0, r.stdout);
      assert.deepEqual(s.refusedByReason, { AgentVersionTooOld: 5 });
      r = await run(["--agent-version", "1.45", "--name-prefix", "fw", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).connected, 5, r.stdout);
      const m = await getMachine(srv, "fw-000000");
      assert.equal(m.json.properties.agentVersion, "1.45");
      r = await run(["--agent-version", "latest", "--name-prefix", "fx"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /'agentVersion' must be an agent version such as 1\.45/);
    },
  );

  it("an agent report through ARM is validated and leaves nothing behind when refused", T, async () => {
    const path = `${rgPath(srv, "ArcLink.Lab/agentReports/bad")}?${LAB}`;
    for (const [props, target] of [
      [{ machineId: machineId(srv, "srv-lnx-01"), agentVersion: "v1" }, "properties.agentVersion"],
      [{ machineId: machineId(srv, "srv-lnx-01"), proxyBypass: ["Storage"] }, "properties.proxyBypass[0]"],
      [{ machineId: machineId(srv, "nope"), agentVersion: "1.4" }, "properties.machineId"],
    ] as const) {
      const r = await arm(srv.info, "PUT", path, { location: "global", properties: props });
      assert.equal(r.status >= 400 && r.status < 500, true, r.text);
      assert.equal(r.json.error.target, target, r.text);
    }
    assert.equal((await arm(srv.info, "GET", path)).status, 404);
  });
});

function machineIdOf(sub: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/rg-arc-private-link/providers/Microsoft.HybridCompute/machines/${name}`;
}
