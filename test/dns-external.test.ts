// A real DNS server standing in for a modelled one: the on-premises server dc01 of the reference
// rollout is played by a real Unbound that forwards the Arc zones to ArcLink's inbound endpoint.
// Hosts that use dc01 then get exactly what that real server answers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, TestServer, removeDataDir, ROOT } from "./helpers/server.js";
import { arm } from "./helpers/arm.js";
import { addressesOf, dig, dnsPort, Peer, resolveApi, startUnbound } from "./helpers/dns.js";
import { join } from "node:path";

let srv: TestServer;
let unbound: Peer;

before(async () => {
  srv = await startServer({ args: ["--topology", join(ROOT, "examples/reference.yaml")] });
  unbound = await startUnbound(
    ["his.arc.azure.com", "guestconfiguration.azure.com"],
    dnsPort(srv, "inbound"),
  );
  const dc01 = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-arc-private-link/providers/ArcLink.Lab/dnsServers/dc01?api-version=2025-01-01`;
  const r = await arm(srv.info, "PATCH", dc01, {
    properties: { external: { host: "127.0.0.1", port: unbound.port } },
  });
  assert.equal(r.status, 200, r.text);
});

after(async () => {
  await unbound?.stop();
  await srv?.stop();
  if (srv) removeDataDir(srv.dataDir);
});

test("a host whose DNS server is played by a real Unbound gets that server's answer", async () => {
  const a = await resolveApi(srv, { host: "srv-win-01" }, "gbl.his.arc.azure.com");
  assert.equal(a.rcode, "NOERROR");
  assert.deepEqual(
    a.answers.filter((r: any) => r.type === "A").map((r: any) => r.data),
    ["10.10.1.4"],
  );
  assert.match(a.answeredBy, new RegExp(`the real server at 127\\.0\\.0\\.1:${unbound.port}`));
  assert.match(JSON.stringify(a.trace), /the real server at 127\.0\.0\.1/);
});

test("ArcLink's listener for dc01 answers through the real server, at the wire", async () => {
  const r = await dig(dnsPort(srv, "dc01"), "agentserviceapi.guestconfiguration.azure.com");
  assert.equal(r.status, "NOERROR");
  assert.deepEqual(addressesOf(r), ["10.10.1.6"]);
});

test("a name the real server does not know comes back as it answers it", async () => {
  const a = await resolveApi(srv, { resolver: "dc01" }, "nosuch.guestconfiguration.azure.com");
  assert.equal(a.rcode, "NXDOMAIN");
});
