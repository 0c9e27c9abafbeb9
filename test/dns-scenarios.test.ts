// The "Must show" DNS scenarios at the wire level: each suite starts a real ArcLink on a
// topology, reads the resolvers' loopback listeners from the ready file and asks them with the
// real `dig`. Every suite also checks that the engine's answer (`arclink resolve --resolver ID
// --json`) is exactly what the listener put on the wire. Traffic goes only to 127.0.0.1.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { arm } from "./helpers/arm.js";
import {
  addressesOf,
  arclink,
  assertWireMatchesEngine,
  dig,
  DigResult,
  dnsPort,
  isPrivateIpv4,
  LOOPBACK,
  queryPacket,
  resolveJson,
  udpExchange,
} from "./helpers/dns.js";
import { removeDataDir, ROOT, startServer, TestServer } from "./helpers/server.js";

const T = { timeout: 90_000 };
const example = (f: string): string => join(ROOT, "examples", f);
const fixture = (f: string): string => join(ROOT, "test", "fixtures", f);
const PRIVATE_DNS = "2024-06-01";
const NETWORK = "2025-05-01";

/** The four names an Arc agent in eastus resolves, their privatelink names and the PE's host octet. */
const ARC_NAMES: Array<[name: string, privatelink: string, octet: number]> = [
  ["gbl.his.arc.azure.com", "gbl.privatelink.his.arc.azure.com", 4],
  ["eus.his.arc.azure.com", "eus.privatelink.his.arc.azure.com", 5],
  [
    "agentserviceapi.guestconfiguration.azure.com",
    "agentserviceapi.privatelink.guestconfiguration.azure.com",
    6,
  ],
  ["eastus-gas.guestconfiguration.azure.com", "eastus-gas.privatelink.guestconfiguration.azure.com", 7],
];

const ERR = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

function rows(r: DigResult, section: "answer" | "authority" = "answer"): string[][] {
  return r[section].map((x) => [x.name, x.type, x.data]);
}

/** NOERROR with exactly the public CNAME to the privatelink name, then the private A record. */
function assertPrivateChain(r: DigResult, name: string, privatelink: string, ip: string): void {
  assert.equal(r.status, "NOERROR", r.text);
  assert.deepEqual(
    rows(r),
    [
      [name, "CNAME", privatelink],
      [privatelink, "A", ip],
    ],
    r.text,
  );
  assert.ok(r.flags.includes("qr") && r.flags.includes("rd") && r.flags.includes("ra"), r.text);
}

/** NOERROR ending in one public address (the name went through public DNS). */
function assertPublic(r: DigResult, name: string): string {
  assert.equal(r.status, "NOERROR", r.text);
  assert.equal(r.answer[0]?.name, name, r.text);
  const ips = addressesOf(r);
  assert.equal(ips.length, 1, r.text);
  assert.ok(!isPrivateIpv4(ips[0]), `expected a public address for ${name}:\n${r.text}`);
  return ips[0];
}

function assertNxdomainWithSoa(r: DigResult, zone: string): void {
  assert.equal(r.status, "NXDOMAIN", r.text);
  assert.deepEqual(
    r.authority.map((x) => [x.name, x.type]),
    [[zone, "SOA"]],
    `the AUTHORITY section must hold the SOA of ${zone}:\n${r.text}`,
  );
}

/** Addresses nslookup-style output prints for the final name (after the "Name:" line). */
function nslookupAddresses(text: string): string[] {
  const at = text.indexOf("\nName:");
  if (at < 0) return [];
  const rest = text.slice(at).split("\nAliases:")[0];
  return [...rest.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3})\b/g)].map((m) => m[1]);
}

async function serve(topology: string): Promise<TestServer> {
  return startServer({ args: ["--topology", topology] });
}

async function stop(srv: TestServer | undefined): Promise<void> {
  if (!srv) return;
  await srv.stop();
  removeDataDir(srv.dataDir);
}

// ---------------------------------------------------------------------------------------------

describe("(a) the seed's Azure-integrated path (examples/reference.yaml)", () => {
  let srv: TestServer;
  before(async () => {
    srv = await serve(example("reference.yaml"));
  }, T);
  after(() => stop(srv));

  it(
    "dig at the on-premises server dc01 gets the private address of every Arc name, with the CNAME chain",
    T,
    async () => {
      const port = dnsPort(srv, "dc01");
      for (const [name, privatelink, octet] of ARC_NAMES) {
        const r = await dig(port, name);
        assertPrivateChain(r, name, privatelink, `10.10.1.${octet}`);
        assert.ok(!r.flags.includes("aa"), `dc01 forwards these names: not authoritative\n${r.text}`);
      }
      // The same over TCP (RFC 7766 framing).
      assertPrivateChain(
        await dig(port, "gbl.his.arc.azure.com", "A", ["+tcp"]),
        "gbl.his.arc.azure.com",
        "gbl.privatelink.his.arc.azure.com",
        "10.10.1.4",
      );
    },
  );

  it(
    "the inbound endpoint and the VNet's Azure DNS answer privately; public DNS answers publicly",
    T,
    async () => {
      for (const id of ["inbound", "azure:vnet-hub"]) {
        for (const [name, privatelink, octet] of ARC_NAMES) {
          assertPrivateChain(await dig(dnsPort(srv, id), name), name, privatelink, `10.10.1.${octet}`);
        }
      }
      const pub = await dig(dnsPort(srv, "public"), "gbl.his.arc.azure.com");
      assertPublic(pub, "gbl.his.arc.azure.com");
      assert.deepEqual(
        pub.answer.map((x) => x.type),
        ["CNAME", "CNAME", "A"],
        `public DNS: name → privatelink name → traffic manager name → address\n${pub.text}`,
      );
      // dc01's own zone answers authoritatively.
      const own = await dig(dnsPort(srv, "dc01"), "srv-win-01.corp.contoso.com");
      assert.deepEqual(rows(own), [["srv-win-01.corp.contoso.com", "A", "192.168.1.21"]], own.text);
      assert.ok(own.flags.includes("aa"), own.text);
    },
  );

  it("trace and wire agree at every resolver", T, async () => {
    const ids = ["dc01", "inbound", "azure:vnet-hub", "public"];
    // Through the CLI (`arclink resolve --resolver ID NAME --json`)...
    await Promise.all(
      ids.map((id) => assertWireMatchesEngine(srv, id, "gbl.his.arc.azure.com", { via: "cli" })),
    );
    // ...and, for the sweep, through the API it prints.
    const names = [...ARC_NAMES.map((n) => n[0]), "nosuch.his.arc.azure.com", "srv-lnx-01.corp.contoso.com"];
    for (const id of ids) {
      await Promise.all(names.map((n) => assertWireMatchesEngine(srv, id, n)));
      await assertWireMatchesEngine(srv, id, "gbl.his.arc.azure.com", { type: "AAAA" });
      await assertWireMatchesEngine(srv, id, "gbl.his.arc.azure.com", { type: "CNAME" });
    }
  });

  it(
    "(d) nslookup-style: srv-win-01 gets the private address, the misconfigured srv-lnx-02 (8.8.8.8) a public one",
    T,
    async () => {
      const win = await arclink(srv, ["resolve", "--host", "srv-win-01", "gbl.his.arc.azure.com"]);
      assert.equal(win.code, 0, win.stdout + win.stderr);
      assert.match(win.stdout, /^Name:\s+gbl\.privatelink\.his\.arc\.azure\.com$/m, win.stdout);
      assert.deepEqual(nslookupAddresses(win.stdout), ["10.10.1.4"], win.stdout);
      assert.match(win.stdout, /Aliases:\s+gbl\.his\.arc\.azure\.com/, win.stdout);

      const lnx = await arclink(srv, ["resolve", "--host", "srv-lnx-02", "gbl.his.arc.azure.com"]);
      assert.equal(lnx.code, 0, lnx.stdout + lnx.stderr);
      const ips = nslookupAddresses(lnx.stdout);
      assert.equal(ips.length, 1, lnx.stdout);
      assert.ok(
        !isPrivateIpv4(ips[0]),
        `srv-lnx-02 asks 8.8.8.8 and must get a public address:\n${lnx.stdout}`,
      );
      // The same public address the public resolver's listener gives on the wire.
      assert.deepEqual(addressesOf(await dig(dnsPort(srv, "public"), "gbl.his.arc.azure.com")), ips);
      // And the host view matches the resolver its DNS server is: srv-win-01 asks dc01.
      const json = await resolveJson(srv, { host: "srv-win-01" }, "gbl.his.arc.azure.com");
      assert.deepEqual(json.servers, ["192.168.1.10"]);
      const wire = await dig(dnsPort(srv, "dc01"), "gbl.his.arc.azure.com");
      assert.deepEqual(
        json.answers.map((a: any) => [a.name, a.type, a.data]),
        rows(wire),
        `host view and dc01's listener differ:\n${wire.text}`,
      );
    },
  );

  it("changes through ARM show in the next answer: a new A record, then its deletion", T, async () => {
    const sub = srv.info.subscriptionId;
    const zone = `/subscriptions/${sub}/resourceGroups/rg-arc-private-link/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`;
    const rec = `${zone}/A/canary?api-version=${PRIVATE_DNS}`;
    const name = "canary.his.arc.azure.com";
    const inbound = dnsPort(srv, "inbound");
    const dc01 = dnsPort(srv, "dc01");
    // Before: the linked zone has no such record (and the listeners now hold that answer).
    assertNxdomainWithSoa(await dig(inbound, name), "privatelink.his.arc.azure.com");
    assert.equal((await dig(dc01, name)).status, "NXDOMAIN");

    const put = await arm(srv.info, "PUT", rec, {
      properties: { ttl: 10, aRecords: [{ ipv4Address: "10.10.1.99" }] },
    });
    assert.equal(put.status, 201, put.text);
    assertPrivateChain(await dig(inbound, name), name, "canary.privatelink.his.arc.azure.com", "10.10.1.99");
    assertPrivateChain(await dig(dc01, name), name, "canary.privatelink.his.arc.azure.com", "10.10.1.99");
    await assertWireMatchesEngine(srv, "dc01", name, { via: "cli" });

    const upd = await arm(srv.info, "PUT", rec, {
      properties: { ttl: 10, aRecords: [{ ipv4Address: "10.10.1.98" }] },
    });
    assert.equal(upd.status, 200, upd.text);
    assert.deepEqual(addressesOf(await dig(dc01, name)), ["10.10.1.98"]);

    const del = await arm(srv.info, "DELETE", rec);
    assert.ok(del.status === 200 || del.status === 204, `DELETE record: ${del.status} ${del.text}`);
    assert.equal((await arm(srv.info, "GET", rec)).status, 404);
    assertNxdomainWithSoa(await dig(inbound, name), "privatelink.his.arc.azure.com");
    const gone = await dig(dc01, name);
    assert.equal(gone.status, "NXDOMAIN", gone.text);
    assert.deepEqual(addressesOf(gone), []);
    await assertWireMatchesEngine(srv, "inbound", name);
  });

  it("bad input at the listeners does not crash the server; dig still gets answers", T, async () => {
    const port = dnsPort(srv, "dc01");
    const stillServing = async (what: string): Promise<void> => {
      assert.equal(srv.proc.exitCode, null, `server exited after ${what}:\n${srv.output()}`);
      const r = await dig(port, "gbl.his.arc.azure.com");
      assert.deepEqual(addressesOf(r), ["10.10.1.4"], `after ${what}:\n${r.text}`);
    };
    const good = queryPacket(0x1111, "gbl.his.arc.azure.com");

    // Truncated: the question stops in the middle of a label → FORMERR with the same id.
    const cut = await udpExchange(port, good.subarray(0, 20));
    assert.ok(cut, "a truncated query with a whole header gets a reply");
    assert.equal(cut.id, 0x1111);
    assert.equal(cut.rcode, ERR.FORMERR);
    // Shorter than a header: nothing to reply to (dropped).
    assert.equal(await udpExchange(port, good.subarray(0, 5), 500), null);
    await stillServing("a truncated packet");

    // 4 KB of junk behind a plausible header: labels of 63 '?' bytes, far past 255 bytes.
    const junk = Buffer.alloc(4096, 0x3f);
    junk.writeUInt16BE(0x2222, 0);
    junk.writeUInt16BE(0x0100, 2);
    junk.writeUInt16BE(1, 4);
    junk.writeUInt32BE(0, 6);
    junk.writeUInt16BE(0, 10);
    const big = await udpExchange(port, junk);
    assert.ok(big, "oversized junk gets a FORMERR reply");
    assert.equal(big.id, 0x2222);
    assert.equal(big.rcode, ERR.FORMERR);
    assert.ok(
      big.bytes.length <= 512,
      `the error reply is small (${big.bytes.length} bytes), not an amplifier`,
    );
    await stillServing("4 KB of junk");

    // Wrong class (CH): refused, question echoed.
    const ch = await udpExchange(port, queryPacket(0x3333, "version.bind", { qtype: 16, qclass: 3 }));
    assert.ok(ch);
    assert.equal(ch.id, 0x3333);
    assert.equal(ch.rcode, ERR.REFUSED);
    assert.equal(ch.ancount, 0);
    const chDig = await dig(port, "gbl.his.arc.azure.com", "TXT", ["-c", "CH"]);
    assert.equal(chDig.status, "REFUSED", chDig.text);
    await stillServing("a CHAOS-class query");

    // QDCOUNT=2: two questions in one query.
    const one = queryPacket(0x4444, "gbl.his.arc.azure.com");
    const two = Buffer.concat([one, one.subarray(12)]);
    two.writeUInt16BE(2, 4);
    const q2 = await udpExchange(port, two);
    assert.ok(q2);
    assert.equal(q2.id, 0x4444);
    assert.equal(q2.rcode, ERR.FORMERR);
    await stillServing("QDCOUNT=2");

    // A compression pointer to itself.
    const loop = Buffer.concat([one.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01])]);
    loop.writeUInt16BE(0x5555, 0);
    const lr = await udpExchange(port, loop);
    assert.ok(lr);
    assert.equal(lr.id, 0x5555);
    assert.equal(lr.rcode, ERR.FORMERR);
    await stillServing("a compression loop");

    // A TCP client that sends a length prefix and stalls: others are served meanwhile, and the
    // listener cuts the stalled connection off (bounded here at 8 s).
    const stalled = connect({ host: LOOPBACK, port });
    await new Promise<void>((res, rej) => {
      stalled.once("connect", () => res());
      stalled.once("error", rej);
    });
    const closed = new Promise<boolean>((res) => {
      const timer = setTimeout(() => res(false), 8_000);
      stalled.once("close", () => {
        clearTimeout(timer);
        res(true);
      });
    });
    stalled.on("error", () => undefined);
    stalled.write(Buffer.from([0x00, 0x40])); // promises 64 bytes, sends none
    await stillServing("a stalled TCP client (UDP)");
    const overTcp = await dig(port, "gbl.his.arc.azure.com", "A", ["+tcp"]);
    assert.deepEqual(addressesOf(overTcp), ["10.10.1.4"], overTcp.text);
    const wasClosed = await closed;
    stalled.destroy();
    assert.ok(wasClosed, "the listener must close a TCP connection whose message never completes");
    await stillServing("everything above");
  });
});

describe("(b) the manual path: on-premises zones with copied A records (examples/manual-dns.yaml)", () => {
  let srv: TestServer;
  before(async () => {
    srv = await serve(example("manual-dns.yaml"));
  }, T);
  after(() => stop(srv));

  it("dc01 copied every record: every Arc name resolves privately through its own zones", T, async () => {
    for (const [name, privatelink, octet] of ARC_NAMES) {
      assertPrivateChain(await dig(dnsPort(srv, "dc01"), name), name, privatelink, `10.20.1.${octet}`);
    }
  });

  it(
    "dc02 copied only the global names: the regional ones get NXDOMAIN from its zone, not a public answer",
    T,
    async () => {
      const port = dnsPort(srv, "dc02");
      assertPrivateChain(
        await dig(port, "gbl.his.arc.azure.com"),
        "gbl.his.arc.azure.com",
        "gbl.privatelink.his.arc.azure.com",
        "10.20.1.4",
      );
      assertPrivateChain(
        await dig(port, "agentserviceapi.guestconfiguration.azure.com"),
        "agentserviceapi.guestconfiguration.azure.com",
        "agentserviceapi.privatelink.guestconfiguration.azure.com",
        "10.20.1.6",
      );
      const eus = await dig(port, "eus.his.arc.azure.com");
      assertNxdomainWithSoa(eus, "privatelink.his.arc.azure.com");
      assert.deepEqual(
        rows(eus),
        [["eus.his.arc.azure.com", "CNAME", "eus.privatelink.his.arc.azure.com"]],
        eus.text,
      );
      assert.ok(eus.flags.includes("aa") === false, "the CNAME came from public DNS");
      const gas = await dig(port, "eastus-gas.guestconfiguration.azure.com");
      assertNxdomainWithSoa(gas, "privatelink.guestconfiguration.azure.com");
      // The host that uses dc02 sees the same.
      const host = await resolveJson(srv, { host: "srv-lnx-02" }, "eus.his.arc.azure.com");
      assert.equal(host.rcode, "NXDOMAIN");
    },
  );

  it("trace and wire agree at dc01 and dc02", T, async () => {
    await assertWireMatchesEngine(srv, "dc01", "eus.his.arc.azure.com", { via: "cli" });
    await assertWireMatchesEngine(srv, "dc02", "eus.his.arc.azure.com", { via: "cli" });
    for (const id of ["dc01", "dc02"]) {
      await Promise.all(ARC_NAMES.map(([n]) => assertWireMatchesEngine(srv, id, n)));
    }
  });
});

describe("(c) hosts files, Windows and Linux (examples/hosts-file.yaml)", () => {
  let srv: TestServer;
  before(async () => {
    srv = await serve(example("hosts-file.yaml"));
  }, T);
  after(() => stop(srv));

  it(
    "srv-win-01's C:\\Windows\\System32\\drivers\\etc\\hosts answers every Arc name; DNS is not asked",
    T,
    async () => {
      const lines: Record<string, number> = {
        "gbl.his.arc.azure.com": 8,
        "eus.his.arc.azure.com": 9,
        "agentserviceapi.guestconfiguration.azure.com": 10,
        "eastus-gas.guestconfiguration.azure.com": 11,
      };
      const answers = await Promise.all(
        ARC_NAMES.map(([name]) => resolveJson(srv, { host: "srv-win-01" }, name)),
      );
      for (const [i, [name, , octet]] of ARC_NAMES.entries()) {
        const r = answers[i];
        assert.equal(r.rcode, "NOERROR", JSON.stringify(r));
        assert.deepEqual(
          r.answers.map((a: any) => [a.name, a.type, a.data]),
          [[name, "A", `10.30.1.${octet}`]],
        );
        assert.equal(r.answeredBy, `C:\\Windows\\System32\\drivers\\etc\\hosts line ${lines[name]}`);
        assert.match(JSON.stringify(r.trace), /DNS is not asked/);
      }
      // Windows hosts-file lookups are case-insensitive.
      const mixed = await resolveJson(srv, { host: "srv-win-01" }, "GBL.His.Arc.Azure.COM");
      assert.deepEqual(
        mixed.answers.map((a: any) => a.data),
        ["10.30.1.4"],
      );
    },
  );

  it(
    "srv-lnx-01's /etc/hosts has only the global names: the regional ones resolve publicly through lab-dns",
    T,
    async () => {
      const gbl = await resolveJson(srv, { host: "srv-lnx-01" }, "gbl.his.arc.azure.com");
      assert.deepEqual(
        gbl.answers.map((a: any) => a.data),
        ["10.30.1.4"],
      );
      assert.equal(gbl.answeredBy, "/etc/hosts line 6");
      // An entry with a trailing comment still counts.
      const gc = await resolveJson(
        srv,
        { host: "srv-lnx-01" },
        "agentserviceapi.guestconfiguration.azure.com",
      );
      assert.deepEqual(
        gc.answers.map((a: any) => a.data),
        ["10.30.1.6"],
      );
      assert.equal(gc.answeredBy, "/etc/hosts line 7");

      const eus = await resolveJson(srv, { host: "srv-lnx-01" }, "eus.his.arc.azure.com");
      assert.equal(eus.rcode, "NOERROR");
      const ips = eus.answers.filter((a: any) => a.type === "A").map((a: any) => a.data);
      assert.equal(ips.length, 1);
      assert.ok(
        !isPrivateIpv4(ips[0]),
        `eus is not in the hosts file: public answer expected, got ${ips[0]}`,
      );
      assert.match(JSON.stringify(eus.trace), /192\.168\.50\.2/);
      // What lab-dns puts on the wire for that name is that same public answer.
      assert.deepEqual(addressesOf(await dig(dnsPort(srv, "lab-dns"), "eus.his.arc.azure.com")), ips);
    },
  );

  it(
    "hosts files belong to the stub resolver: lab-dns itself, and srv-lnx-02, answer publicly",
    T,
    async () => {
      const wire = await dig(dnsPort(srv, "lab-dns"), "gbl.his.arc.azure.com");
      const ip = assertPublic(wire, "gbl.his.arc.azure.com");
      const lnx2 = await resolveJson(srv, { host: "srv-lnx-02" }, "gbl.his.arc.azure.com");
      assert.deepEqual(
        lnx2.answers.filter((a: any) => a.type === "A").map((a: any) => a.data),
        [ip],
      );
      assert.doesNotMatch(String(lnx2.answeredBy), /hosts/);
      await assertWireMatchesEngine(srv, "lab-dns", "gbl.his.arc.azure.com", { via: "cli" });
      await Promise.all(ARC_NAMES.map(([n]) => assertWireMatchesEngine(srv, "lab-dns", n)));
    },
  );
});

describe("(e) a linked privatelink zone missing a record, then resolutionPolicy NxDomainRedirect (test/fixtures/missing-record.yaml)", () => {
  let srv: TestServer;
  before(async () => {
    srv = await serve(fixture("missing-record.yaml"));
  }, T);
  after(() => stop(srv));

  const NAME = "agentserviceapi.guestconfiguration.azure.com";
  const ZONE = "privatelink.guestconfiguration.azure.com";

  it(
    "NXDOMAIN with the zone's SOA in AUTHORITY from the inbound endpoint; PATCH the link and the next dig is public",
    T,
    async () => {
      const inbound = dnsPort(srv, "inbound");
      const dc01 = dnsPort(srv, "dc01");
      const before1 = await dig(inbound, NAME);
      assertNxdomainWithSoa(before1, ZONE);
      assert.equal(
        before1.authority[0].data,
        "azureprivatedns.net azureprivatedns-host.microsoft.com 1 3600 300 2419200 10",
      );
      assert.deepEqual(rows(before1), [[NAME, "CNAME", `agentserviceapi.${ZONE}`]], before1.text);
      // The privatelink name itself: Azure DNS is authoritative for the linked zone.
      const direct = await dig(inbound, `agentserviceapi.${ZONE}`);
      assertNxdomainWithSoa(direct, ZONE);
      assert.ok(direct.flags.includes("aa"), direct.text);
      // On-premises, through the conditional forwarder: the forwarded NXDOMAIN keeps its CNAME
      // chain (RFC 6604), as a real forwarding server (BIND, see dns-peers.test.ts) answers.
      const fwd = await dig(dc01, NAME);
      assertNxdomainWithSoa(fwd, ZONE);
      assert.deepEqual(rows(fwd), rows(before1), fwd.text);
      // The his zone has the endpoint's records: the control.
      assertPrivateChain(
        await dig(inbound, "gbl.his.arc.azure.com"),
        "gbl.his.arc.azure.com",
        "gbl.privatelink.his.arc.azure.com",
        "10.50.1.4",
      );
      await assertWireMatchesEngine(srv, "inbound", NAME, { via: "cli" });
      for (const id of ["dc01", "azure:vnet-hub"]) await assertWireMatchesEngine(srv, id, NAME);

      const link = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-arc-missing-record/providers/Microsoft.Network/privateDnsZones/${ZONE}/virtualNetworkLinks/vnet-hub-link?api-version=${PRIVATE_DNS}`;
      const patch = await arm(srv.info, "PATCH", link, {
        properties: { resolutionPolicy: "NxDomainRedirect" },
      });
      assert.ok(patch.status === 200 || patch.status === 202, `PATCH link: ${patch.status} ${patch.text}`);
      const got = await arm(srv.info, "GET", link);
      assert.equal(got.status, 200, got.text);
      assert.equal(got.json.properties.resolutionPolicy, "NxDomainRedirect");

      // The very next query (the NXDOMAIN above was cached by the listeners) gets the public answer.
      const after1 = await dig(inbound, NAME);
      assertPublic(after1, NAME);
      assert.equal(after1.answer[1]?.name, `agentserviceapi.${ZONE}`, after1.text);
      assertPublic(await dig(dc01, NAME), NAME);
      assertPrivateChain(
        await dig(inbound, "gbl.his.arc.azure.com"),
        "gbl.his.arc.azure.com",
        "gbl.privatelink.his.arc.azure.com",
        "10.50.1.4",
      );
      await assertWireMatchesEngine(srv, "inbound", NAME, { via: "cli" });
      for (const id of ["dc01", "azure:vnet-hub"]) await assertWireMatchesEngine(srv, id, NAME);
      const host = await resolveJson(srv, { host: "srv-01" }, NAME);
      assert.equal(host.rcode, "NOERROR");
      assert.match(JSON.stringify(host.trace), /NxDomainRedirect/);

      // And back: Default hides the public answer again.
      const back = await arm(srv.info, "PATCH", link, { properties: { resolutionPolicy: "Default" } });
      assert.ok(back.status === 200 || back.status === 202, back.text);
      assertNxdomainWithSoa(await dig(inbound, NAME), ZONE);
    },
  );
});

describe("(f) a second scope's endpoint in the same VNet overwrites the first's records (examples/two-scopes-one-vnet.yaml)", () => {
  let srv: TestServer;
  before(async () => {
    srv = await serve(example("two-scopes-one-vnet.yaml"));
  }, T);
  after(() => stop(srv));

  it("dig returns pe-b's addresses for every name, although pe-a has its own", T, async () => {
    const rg = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-arc-two-scopes/providers/Microsoft.Network`;
    const peA = await arm(srv.info, "GET", `${rg}/privateEndpoints/pe-a?api-version=${NETWORK}`);
    assert.equal(peA.status, 200, peA.text);
    const aGbl = peA.json.properties.customDnsConfigs.find((c: any) => c.fqdn === "gbl.his.arc.azure.com");
    assert.deepEqual(aGbl?.ipAddresses, ["10.40.1.4"], JSON.stringify(peA.json.properties.customDnsConfigs));
    const recordSet = await arm(
      srv.info,
      "GET",
      `${rg}/privateDnsZones/privatelink.his.arc.azure.com/A/gbl?api-version=${PRIVATE_DNS}`,
    );
    assert.equal(recordSet.status, 200, recordSet.text);
    assert.deepEqual(recordSet.json.properties.aRecords, [{ ipv4Address: "10.40.2.4" }]);

    for (const id of ["dc01", "inbound", "azure:vnet-shared"]) {
      for (const [name, privatelink, octet] of ARC_NAMES) {
        assertPrivateChain(await dig(dnsPort(srv, id), name), name, privatelink, `10.40.2.${octet}`);
      }
    }
    await assertWireMatchesEngine(srv, "dc01", "gbl.his.arc.azure.com", { via: "cli" });
    for (const id of ["dc01", "inbound"]) {
      await Promise.all(ARC_NAMES.map(([n]) => assertWireMatchesEngine(srv, id, n)));
    }
    // srv-a (scope pls-a) resolves pe-b's address.
    const a = await resolveJson(srv, { host: "srv-a" }, "gbl.his.arc.azure.com");
    assert.deepEqual(
      a.answers.filter((x: any) => x.type === "A").map((x: any) => x.data),
      ["10.40.2.4"],
    );
  });
});

describe("(g) a conditional forwarder whose target has no network path (test/fixtures/no-path.yaml)", () => {
  let srv: TestServer;
  before(async () => {
    srv = await serve(fixture("no-path.yaml"));
  }, T);
  after(() => stop(srv));

  it(
    "dig at the unconnected site's server gets SERVFAIL; the connected site's server answers privately",
    T,
    async () => {
      for (const [name, privatelink, octet] of ARC_NAMES.filter(([, , o]) => o === 4 || o === 6)) {
        const r = await dig(dnsPort(srv, "dc-branch"), name);
        assert.equal(r.status, "SERVFAIL", r.text);
        assert.deepEqual(r.answer, [], r.text);
        assertPrivateChain(await dig(dnsPort(srv, "dc01"), name), name, privatelink, `10.60.1.${octet}`);
        await assertWireMatchesEngine(srv, "dc-branch", name, { via: "cli" });
        await assertWireMatchesEngine(srv, "dc01", name);
      }
      const engine = await resolveJson(srv, { resolver: "dc-branch" }, "gbl.his.arc.azure.com");
      assert.match(JSON.stringify(engine.trace), /no route from site branch/);
      const host = await resolveJson(srv, { host: "srv-branch" }, "gbl.his.arc.azure.com");
      assert.equal(host.rcode, "SERVFAIL");
    },
  );
});
