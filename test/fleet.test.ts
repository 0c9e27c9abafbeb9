// `arclink fleet`: simulated agents onboarding and heartbeating through the real admission path,
// against a real server with the reference topology; and group commit (writes that queue
// together share one store transaction, each acknowledged only once durable).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { arm, raw, token } from "./helpers/arm.js";
import { arclink, ROOT, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 180_000 };
const RG = "rg-arc-private-link";
const HC = "2024-07-10";
const LAB = "2025-01-01";

/** `arclink fleet` against a server. */
const fleet = (srv: TestServer, args: string[]) => arclink(["fleet", "--ready-file", srv.readyFile, ...args]);

/** Every resource of a collection, following nextLink. */
async function listAll(srv: TestServer, path: string): Promise<any[]> {
  const out: any[] = [];
  let next: string | undefined = path;
  while (next) {
    const u: URL = new URL(next, srv.info.arm);
    const r = await arm(srv.info, "GET", u.pathname + u.search);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.value);
    next = r.json.nextLink;
  }
  return out;
}

const machinesPath = (srv: TestServer) =>
  `/subscriptions/${srv.info.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.HybridCompute/machines?api-version=${HC}`;
const hostsPath = (srv: TestServer) =>
  `/subscriptions/${srv.info.subscriptionId}/resourceGroups/${RG}/providers/ArcLink.Lab/hosts?api-version=${LAB}`;

describe("arclink fleet", T, () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({
      args: ["--dns", "none", "--topology", join(ROOT, "examples/reference.yaml")],
    });
  });
  after(async () => {
    await srv?.stop();
  });

  it("500 machines: the summary's counts are what ARM lists", T, async () => {
    const r = await fleet(srv, ["--machines", "500", "--heartbeats", "1", "--name-prefix", "fa", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.status, "Succeeded");
    assert.equal(s.machines, 500);
    assert.equal(s.created, 500);
    assert.equal(s.site, "onprem");
    assert.equal(s.connected + s.refused, 500);
    // The reference site resolves the Arc names through dc01 to the private endpoint, and its
    // firewall allows the private endpoint subnet: every machine gets through.
    assert.equal(s.connected, 500, JSON.stringify(s.refusedByReason));
    assert.equal(s.heartbeatsAdmitted, 500);
    assert.ok(s.onboardPerSecond > 0);

    const machines = (await listAll(srv, machinesPath(srv))).filter((m) => m.name.startsWith("fa-"));
    assert.equal(machines.length, 500);
    const connected = machines.filter((m) => m.properties.status === "Connected");
    assert.equal(connected.length, s.connected);
    assert.ok(connected.every((m) => m.properties.agentVersion === "1.45"));
    const hosts = (await listAll(srv, hostsPath(srv))).filter((h) => h.name.startsWith("fa-"));
    assert.equal(hosts.length, 500);
    assert.equal(new Set(hosts.map((h) => h.properties.privateIPAddress)).size, 500, "distinct addresses");
    assert.ok(
      hosts.every((h) => h.properties.dnsServers[0] === "192.168.1.10"),
      "the site's DNS server",
    );
  });

  it("unassociated machines are refused with their reason, and ARM agrees", T, async () => {
    // Refused machines make the run exit 1 (the summary is still printed) unless --allow-refused.
    const r = await fleet(srv, ["--machines", "60", "--unassociated", "20", "--name-prefix", "fb", "--json"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^arclink: 20 of 60 machines were refused .*--allow-refused/m);
    const s = JSON.parse(r.stdout);
    assert.equal(s.connected, 40);
    assert.equal(s.refused, 20);
    assert.deepEqual(s.refusedByReason, { MachineNotAssociatedWithScope: 20 });
    const machines = (await listAll(srv, machinesPath(srv))).filter((m) => m.name.startsWith("fb-"));
    assert.equal(machines.length, 60);
    assert.equal(machines.filter((m) => m.properties.status === "Connected").length, 40);
    const refused = machines.filter((m) => m.properties.status !== "Connected");
    assert.ok(refused.every((m) => !m.properties.privateLinkScopeResourceId));
  });

  it("a blocking firewall refuses part of the fleet with the network's reason", T, async () => {
    // A second site, connected to the hub, with its own DNS server and a firewall that denies everything.
    const sub = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/${RG}/providers/ArcLink.Lab`;
    const q = `?api-version=${LAB}`;
    const put = async (path: string, body: object) => {
      const x = await arm(srv.info, "PUT", `${sub}/${path}${q}`, body);
      assert.ok(x.status === 200 || x.status === 201, x.text);
      return x.json;
    };
    const site = await put("sites/branch", {
      location: "global",
      properties: { addressSpace: { addressPrefixes: ["10.50.0.0/24"] } },
    });
    const vnet = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
    await put("siteConnections/branch-vpn", {
      location: "global",
      properties: { siteId: site.id, virtualNetworkId: vnet, connectionType: "Vpn" },
    });
    const zones = [
      "his.arc.azure.com",
      "guestconfiguration.azure.com",
      "dp.kubernetesconfiguration.azure.com",
    ];
    await put("dnsServers/dc-branch", {
      location: "global",
      properties: {
        siteId: site.id,
        ipAddress: "10.50.0.10",
        conditionalForwarders: zones.map((domain) => ({ domain, targets: ["10.10.2.4"] })),
        recursion: true,
      },
    });
    // DNS is allowed out; HTTPS is not.
    await put("firewalls/fw-branch", {
      location: "global",
      properties: {
        siteId: site.id,
        defaultAction: "Deny",
        rules: [
          {
            name: "AllowDns",
            priority: 100,
            action: "Allow",
            protocol: "Any",
            destinationAddresses: ["*"],
            destinationPorts: ["53"],
          },
        ],
      },
    });
    const r = await fleet(srv, [
      "--machines",
      "30",
      "--site",
      "branch",
      "--name-prefix",
      "fc",
      "--json",
      "--allow-refused",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.connected, 0);
    assert.equal(s.refused, 30);
    // A firewall that drops the packets: the agent's connection times out or is blocked.
    const reasons = Object.keys(s.refusedByReason);
    assert.equal(reasons.length, 1, JSON.stringify(s.refusedByReason));
    assert.ok(["Blocked", "Timeout"].includes(reasons[0]), JSON.stringify(s.refusedByReason));
    const machines = (await listAll(srv, machinesPath(srv))).filter((m) => m.name.startsWith("fc-"));
    assert.equal(machines.length, 30);
    assert.equal(machines.filter((m) => m.properties.status === "Connected").length, 0);
  });

  it("a restart with --topology onboards and lists the file's hosts, not the fleet's", T, async () => {
    const r = await fleet(srv, [
      "--machines",
      "40",
      "--heartbeats",
      "0",
      "--name-prefix",
      "fr",
      "--json",
      "--allow-refused",
    ]);
    assert.equal(r.code, 0, r.stderr);
    srv = await srv.restart();
    // The start-up table is printed after the ready file is written: wait for the last line.
    const out = await srv.outputMatching(/Stop with Ctrl\+C/);
    assert.match(out, /Onboarded 2 of 3 machines/, out);
    assert.doesNotMatch(out, /fr-0000/, "the start-up table lists the topology's hosts only");
    // The fleet's machines are still stored (and still Connected from their last check-in).
    const machines = await listAll(srv, machinesPath(srv));
    assert.equal(machines.filter((m) => m.name.startsWith("fr-")).length, 40);
  });

  it("bad input exits non-zero with a clear message and stores nothing", T, async () => {
    const before = (await listAll(srv, hostsPath(srv))).length;
    const cases: Array<[string[], number, RegExp]> = [
      [[], 2, /--machines is required/],
      [["--machines", "0"], 2, /--machines must be a whole number from 1 to 1000000, got '0'/],
      [["--machines", "1000001"], 2, /from 1 to 1000000, got '1000001'/],
      [["--machines", "ten"], 2, /got 'ten'/],
      [["--machines", "5", "--unassociated", "6"], 2, /--unassociated must be a whole number from 0 to 5/],
      [["--machines", "5", "--site", "nowhere"], 3, /SiteNotFound: No site 'nowhere'.*Sites: /],
      [["--machines", "5", "--scope", "nope"], 3, /PrivateLinkScopeNotFound/],
      [["--machines", "5", "--name-prefix", "fa"], 1, /FleetNameInUse: .*fa-000000 already exists/],
      [["--machines", "5", "--bogus", "1"], 2, /Unknown flag: --bogus/],
    ];
    for (const [args, code, message] of cases) {
      const r = await fleet(srv, args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
    }
    // The API refuses the same way.
    const t = await token(srv.info);
    const path = `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/fleet?api-version=${LAB}`;
    const bad = await raw(srv.info, "POST", path, { machines: 1000001 }, { authorization: `Bearer ${t}` });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "InvalidParameter");
    assert.match(bad.json.error.message, /'machines' must be a whole number from 1 to 1000000/);
    const site = await raw(srv.info, "POST", path, { machines: 70000 }, { authorization: `Bearer ${t}` });
    assert.equal(site.status, 400, site.text);
    assert.equal(site.json.error.code, "SiteAddressSpaceExhausted");
    assert.equal((await listAll(srv, hostsPath(srv))).length, before, "nothing was stored");
  });
});

describe("group commit", T, () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ args: ["--dns", "none"] });
  });
  after(async () => {
    await srv?.stop();
  });

  it("concurrent writes are each acknowledged and all survive kill -9", T, async () => {
    const t = await token(srv.info);
    const h = { authorization: `Bearer ${t}` };
    const rg = (i: number) =>
      `/subscriptions/${srv.info.subscriptionId}/resourcegroups/rg-gc-${i}?api-version=2025-04-01`;
    const N = 40;
    const puts = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        raw(srv.info, "PUT", rg(i), { location: "eastus", tags: { i: String(i) } }, h),
      ),
    );
    for (const [i, r] of puts.entries()) {
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.tags.i, String(i), "each caller gets its own result");
    }
    // A write that fails in the middle of a group leaves the others alone.
    const mixed = await Promise.all([
      raw(srv.info, "PUT", rg(100), { location: "eastus" }, h),
      raw(srv.info, "PUT", rg(101), { location: "nowhere" }, h),
      raw(srv.info, "PUT", rg(102), { location: "eastus" }, h),
    ]);
    assert.deepEqual(
      mixed.map((r) => r.status),
      [201, 400, 201],
    );
    await srv.kill9();
    srv = await startServer({ dataDir: srv.dataDir, args: ["--dns", "none"] });
    const t2 = await token(srv.info);
    for (let i = 0; i < N; i++) {
      const g = await raw(srv.info, "GET", rg(i), undefined, { authorization: `Bearer ${t2}` });
      assert.equal(g.status, 200, `rg-gc-${i} after kill -9: ${g.text}`);
      assert.equal(g.json.tags.i, String(i));
    }
    assert.equal(
      (await raw(srv.info, "GET", rg(100), undefined, { authorization: `Bearer ${t2}` })).status,
      200,
    );
    assert.equal(
      (await raw(srv.info, "GET", rg(101), undefined, { authorization: `Bearer ${t2}` })).status,
      404,
    );
  });
});
