// The host's own TLS stack against Azure's endpoints, in the model: an OS that offers nothing newer
// than TLS 1.1 (maxTlsVersion) is refused by every endpoint; a Windows host without the ECDHE
// AES-GCM cipher suites (gcmCipherSuitesEnabled false) fails with agents 1.56 to 1.63 only.
// connect() gives the verdict, check() adds the fix, lint reports it per host, the topology file
// and the host provider carry the properties.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkHost, CheckContext } from "../src/analysis/check.js";
import { renderHostCheck } from "../src/cli/check.js";
import { lint } from "../src/analysis/lint/lint.js";
import { connect, hostTlsFailure, needsGcmSuites } from "../src/network/connect.js";
import { compileModel, HostModel, NetworkModel } from "../src/network/model.js";
import { Resolver } from "../src/network/resolve.js";
import { ServiceTags } from "../src/network/serviceTags.js";
import { formatIssue, parseTopology } from "../src/topology/parse.js";
import { plan } from "../src/topology/plan.js";
import { World } from "../src/world/world.js";
import { HostOpts, LAB, lintWorld, LintWorldOpts } from "./lint-world.js";

const NOW = new Date("2026-01-10T12:00:00Z");
const DELAY = 15 * 60_000;
const SUB = "00000000-0000-0000-0000-000000000001";

/** A lint world whose hosts get extra properties (osType, maxTlsVersion, ...) by name. */
function world(hosts: Array<HostOpts & { props?: Record<string, unknown> }>, o: LintWorldOpts = {}): World {
  const w = lintWorld({ now: NOW, ...o, hosts });
  for (const [i, h] of hosts.entries()) {
    if (!h.props) continue;
    const e = w.get(`${LAB}/hosts/${h.name ?? `srv${i + 1}`}`);
    assert.ok(e, `host ${h.name} is in the world`);
    w.load([{ ...e, body: { ...e.body, properties: { ...e.body.properties, ...h.props } } }], w.seq);
  }
  return w;
}

function modelOf(w: World): { m: NetworkModel; r: Resolver } {
  const m = compileModel(w, ServiceTags.default());
  return { m, r: new Resolver(m) };
}

function hostOf(m: NetworkModel, name: string): HostModel {
  const h = [...m.hosts.values()].find((x) => x.name === name);
  assert.ok(h, `host ${name} in the model`);
  return h;
}

const checkCtx = (w: World, r: Resolver): CheckContext => ({
  view: w,
  resolver: r,
  now: NOW,
  propagationDelayMs: DELAY,
});

describe("the host's TLS stack in connect()", () => {
  it("needsGcmSuites covers agents 1.56 to 1.63 exactly", () => {
    for (const v of ["1.56", "1.60", "1.63", "1.63.02983.1834", "1.56.0.1"])
      assert.equal(needsGcmSuites(v), true, v);
    for (const v of ["1.55", "1.64", "1.64.1.1", "1.45", "2.60", "", undefined, "x.y"])
      assert.equal(needsGcmSuites(v), false, String(v));
  });

  it("maxTlsVersion below 1.2: private endpoints and public Azure endpoints refuse the handshake", () => {
    const w = world([
      { name: "old", props: { osType: "Windows", maxTlsVersion: "1.1" } },
      { name: "ok12", props: { maxTlsVersion: "1.2" } },
      { name: "dflt" },
    ]);
    const { m, r } = modelOf(w);
    const old = hostOf(m, "old");
    // The Arc private endpoint (10.10.1.4 is gbl's address on pe-arc).
    let c = connect(m, r, old, "10.10.1.4", 443, { serverName: "gbl.his.arc.azure.com" });
    assert.equal(c.ok, false);
    assert.equal(c.failure, "TlsVersionUnsupported");
    assert.match(
      c.message,
      /host old offers TLS 1\.1 at most .*gbl\.his\.arc\.azure\.com accepts only TLS 1\.2 or 1\.3/,
    );
    assert.equal(c.trace.at(-1)?.outcome, "fail");
    // Entra ID over its public address (allowed by the site firewall).
    const entra = checkHost(checkCtx(w, r), old).endpoints.find(
      (e) => e.endpoint === "login.microsoftonline.com",
    )!;
    assert.equal(entra.verdict, "refused");
    assert.equal(entra.reason, "TlsVersionUnsupported");
    // TCP failures come first: nothing listening is still NotListening, not a TLS failure.
    c = connect(m, r, old, "10.10.1.200", 443, { serverName: "gbl.his.arc.azure.com" });
    assert.equal(c.failure, "NotListening");
    // Without a server name (no TLS) the connection is made.
    assert.equal(connect(m, r, old, "10.10.1.4", 443).ok, true);
    for (const name of ["ok12", "dflt"]) {
      c = connect(m, r, hostOf(m, name), "10.10.1.4", 443, { serverName: "gbl.his.arc.azure.com" });
      assert.equal(c.ok, true, `${name}: ${c.message}`);
      assert.equal(c.path, "private");
    }
  });

  it("through a proxy the failure is the host's TLS, not the proxy's", () => {
    const w = world([{ name: "old", proxyUrl: "http://192.168.1.5:3128", props: { maxTlsVersion: "1.0" } }], {
      proxy: true,
      firewall: { defaultAction: "Allow" },
    });
    const { m, r } = modelOf(w);
    const c = connect(m, r, hostOf(m, "old"), "0.0.0.0", 443, {
      serverName: "management.azure.com",
      proxy: { ip: "192.168.1.5", port: 3128 },
    });
    assert.equal(c.ok, false, c.message);
    assert.equal(c.failure, "TlsVersionUnsupported");
    assert.match(c.message, /offers TLS 1\.0 at most/);
  });

  it("GCM suites disabled: Windows agents 1.56-1.63 fail; other versions, unknown versions and Linux do not", () => {
    const w = world([
      { name: "win", props: { osType: "Windows", gcmCipherSuitesEnabled: false } },
      { name: "lnx", props: { osType: "Linux", gcmCipherSuitesEnabled: false } },
      { name: "winok", props: { osType: "Windows" } },
    ]);
    const { m, r } = modelOf(w);
    const at = (h: string, agentVersion?: string) =>
      connect(m, r, hostOf(m, h), "10.10.1.6", 443, {
        serverName: "agentserviceapi.guestconfiguration.azure.com",
        agentVersion,
      });
    for (const v of ["1.56", "1.60", "1.63"]) {
      const c = at("win", v);
      assert.equal(c.failure, "TlsCipherSuiteMismatch", v);
      assert.match(
        c.message,
        new RegExp(`agent ${v.replace(".", "\\.")} on Windows offers only those suites`),
      );
    }
    for (const v of ["1.55", "1.64", undefined]) assert.equal(at("win", v).ok, true, String(v));
    assert.equal(at("lnx", "1.60").ok, true);
    assert.equal(at("winok", "1.60").ok, true);
    // The version check comes first when both apply.
    const both = {
      ...hostOf(m, "win"),
      raw: { properties: { maxTlsVersion: "1.1", gcmCipherSuitesEnabled: false } },
    };
    assert.equal(hostTlsFailure(both, "x.azure.com", "1.60")?.failure, "TlsVersionUnsupported");
  });
});

describe("check() and lint on the host's TLS stack", () => {
  it("check() refuses every endpoint of an old-TLS host with the SChannel fix", () => {
    const w = world([{ name: "old", props: { osType: "Windows", maxTlsVersion: "1.1" } }]);
    const { m, r } = modelOf(w);
    const hc = checkHost(checkCtx(w, r), hostOf(m, "old"));
    assert.equal(hc.endpoints.length, 8);
    for (const e of hc.endpoints) {
      assert.equal(e.verdict, "refused", e.endpoint);
      assert.equal(e.reason, "TlsVersionUnsupported", e.endpoint);
      assert.match(e.fix ?? "", /enable TLS 1\.2 on old: in SChannel.*TLS 1\.2\\Client/);
    }
    // `arclink check --host old` prints the verdict and the fix under the table.
    const text = renderHostCheck(JSON.parse(JSON.stringify(hc)), false, false);
    assert.match(
      text,
      /gbl\.his\.arc\.azure\.com +\| refused \| 10\.10\.1\.4 +\| TlsVersionUnsupported: host old offers TLS 1\.1/,
    );
    assert.match(text, /^  fix for gbl\.his\.arc\.azure\.com: enable TLS 1\.2 on old: in SChannel/m);
  });

  it("check() refuses a connected Windows machine with agent 1.60 and no GCM suites; 1.64 passes", () => {
    const w = world([
      {
        name: "gcm60",
        machine: { agentVersion: "1.60" },
        props: { osType: "Windows", gcmCipherSuitesEnabled: false },
      },
      {
        name: "gcm64",
        machine: { agentVersion: "1.64" },
        props: { osType: "Windows", gcmCipherSuitesEnabled: false },
      },
    ]);
    const { m, r } = modelOf(w);
    const bad = checkHost(checkCtx(w, r), hostOf(m, "gcm60"));
    assert.ok(
      bad.endpoints.every((e) => e.reason === "TlsCipherSuiteMismatch"),
      JSON.stringify(bad.endpoints.map((e) => e.reason)),
    );
    assert.match(
      bad.endpoints[0].fix ?? "",
      /enable the ECDHE AES-GCM cipher suites on gcm60 .*or upgrade the Connected Machine agent to 1\.64 or later/,
    );
    const good = checkHost(checkCtx(w, r), hostOf(m, "gcm64"));
    assert.equal(good.endpoints.find((e) => e.endpoint === "gbl.his.arc.azure.com")?.verdict, "private");
    assert.ok(
      good.endpoints.every((e) => e.verdict !== "refused"),
      JSON.stringify(good.endpoints),
    );
  });

  it("lint reports each affected host with its fix, and hosts that differ only in TLS settings are judged apart", () => {
    const w = world([
      { name: "old", machine: false, props: { osType: "Windows", maxTlsVersion: "1.1" } },
      {
        name: "gcm",
        machine: { agentVersion: "1.62" },
        props: { osType: "Windows", gcmCipherSuitesEnabled: false },
      },
      // Same site, DNS and OS as the two above: only the TLS settings differ.
      { name: "fine", machine: { agentVersion: "1.62" }, props: { osType: "Windows" } },
      { name: "fine2", machine: false, props: { osType: "Windows", maxTlsVersion: "1.2" } },
    ]);
    const report = lint({ view: w, now: NOW, propagationDelayMs: DELAY });
    const f = report.findings.filter((x) => x.ruleId === "arc-endpoint-unreachable");
    const byReason = new Map(f.map((x) => [x.reason, x]));
    const v = byReason.get("TlsVersionUnsupported");
    assert.ok(v, JSON.stringify(f.map((x) => x.message)));
    assert.equal(v.host, "old");
    assert.equal(v.severity, "warning", "no machine yet: a warning");
    assert.match(v.message, /1 host\(s\) \(old\) cannot reach/);
    assert.ok(
      v.fixPlan.some((s) => s.kind === "onprem" && /SChannel/.test(JSON.stringify(s))),
      JSON.stringify(v.fixPlan),
    );
    const g = byReason.get("TlsCipherSuiteMismatch");
    assert.ok(g, JSON.stringify(f.map((x) => x.message)));
    assert.equal(g.host, "gcm");
    assert.equal(g.severity, "error");
    assert.ok(g.fixPlan.some((s) => /upgrade the Connected Machine agent to 1\.64/.test(JSON.stringify(s))));
    const all = JSON.stringify(f);
    assert.doesNotMatch(all, /fine/);
    assert.equal(f.length, 2, JSON.stringify(f.map((x) => x.message)));
  });
});

describe("maxTlsVersion and gcmCipherSuitesEnabled in a topology file", () => {
  const text = (extra: string) => `
resourceGroups:
  - name: rg
    location: eastus
sites:
  - name: dc
    addressPrefixes: [192.168.0.0/24]
hosts:
  - name: h1
    site: dc
    ipAddress: 192.168.0.10
    os: Windows
${extra}`;

  it("reads the fields (YAML numbers too) and plans them as host properties", () => {
    for (const [y, want] of [
      ["1.1", "1.1"],
      ['"1.0"', "1.0"],
      ["1.0", "1.0"],
      ["1.3", "1.3"],
    ]) {
      const r = parseTopology(text(`    maxTlsVersion: ${y}\n    gcmCipherSuitesEnabled: false\n`));
      assert.deepEqual(
        r.issues.map((i) => formatIssue(i)),
        [],
        y,
      );
      const step = plan(r.topology!, { subscriptionId: SUB }).steps.find(
        (s) => s.type === "ArcLink.Lab/hosts",
      );
      assert.equal(step?.body.properties.maxTlsVersion, want, y);
      assert.equal(step?.body.properties.gcmCipherSuitesEnabled, false);
    }
    const none = plan(parseTopology(text("")).topology!, { subscriptionId: SUB }).steps.find(
      (s) => s.type === "ArcLink.Lab/hosts",
    );
    assert.equal(none?.body.properties.maxTlsVersion, undefined);
    assert.equal(none?.body.properties.gcmCipherSuitesEnabled, undefined);
  });

  it("refuses a version that is not one and a non-boolean, naming the field", () => {
    const r = parseTopology(text(`    maxTlsVersion: "2.0"\n    gcmCipherSuitesEnabled: maybe\n`));
    assert.equal(r.topology, undefined);
    const got = r.issues.map((i) => formatIssue(i)).join("\n");
    assert.match(got, /hosts\[0\]\.maxTlsVersion: '2\.0' is not a TLS version: use 1\.0, 1\.1, 1\.2 or 1\.3/);
    assert.match(got, /hosts\[0\]\.gcmCipherSuitesEnabled/);
  });
});
