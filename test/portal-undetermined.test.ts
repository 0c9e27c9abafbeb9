// The server's "undetermined" verdict (a fact the input lacks) in the portal, in Chromium: the
// portal's own modules render a host's check and a machine's association state with it as its own
// state — never refused, never private — naming the missing fact and how to collect it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, TestServer } from "./helpers/server.js";
import {
  assertAxeClean,
  closePortalAndServer,
  openPortal,
  PortalBrowser,
  signIn,
} from "./helpers/portalBrowser.js";

const T = { timeout: 120_000 };
let srv: TestServer;
let pb: PortalBrowser;

before(
  async () => {
    srv = await startServer({ args: ["--topology", "examples/reference.yaml", "--dns", "none"] });
    pb = await openPortal(srv);
    await signIn(pb.page, srv);
  },
  { timeout: 90_000 },
);

after(() => closePortalAndServer(pb, srv));

// An endpoint as the check evaluator reports it when a connection's state was not exported.
const MISSING = {
  code: "ConnectionStateUnknown",
  fact: "the state of private endpoint pe-arc's connection to scope pls-arc: the export does not hold it.",
  collect: ["az network private-endpoint show -g rg -n pe-arc --query privateLinkServiceConnections"],
  resources: [],
};
const HOST = {
  host: "srv-app-01",
  hostId: "/subscriptions/s/resourceGroups/rg/providers/ArcLink.Lab/hosts/srv-app-01",
  address: "10.20.1.10",
  machine: "srv-app-01",
  region: "eastus",
  endpoints: [
    {
      endpoint: "gbl.his.arc.azure.com",
      address: "10.10.1.4",
      verdict: "undetermined",
      reason: "ConnectionStateUnknown",
      message: "gbl.his.arc.azure.com on private address 10.10.1.4: the verdict needs the connection's state",
      fix: "collect the missing fact: az network private-endpoint show …",
      missing: MISSING,
      trace: [{ at: "admission", what: "undetermined", outcome: "fail" }],
    },
    {
      endpoint: "login.microsoftonline.com",
      verdict: "public",
      message: "public",
      trace: [],
    },
  ],
};

test("a host's check shows undetermined as its own state, with the missing fact", T, async () => {
  const { page } = pb;
  const out = await page.evaluate(async (hc) => {
    const view = await import("/portal/app/checkView.js" as string);
    const data = await import("/portal/app/data.js" as string);
    const main = document.querySelector("main") ?? document.body;
    const el = view.renderHostCheck(hc);
    el.id = "undetermined-check";
    main.append(el);
    const row = el.querySelector('tr[data-endpoint="gbl.his.arc.azure.com"]') as HTMLTableRowElement;
    const badge = row.querySelector(".verdict") as HTMLElement;
    return {
      badgeText: badge.textContent,
      badgeClass: badge.className,
      badgeColor: getComputedStyle(badge).color,
      rowClass: row.className,
      why: row.cells[3].textContent,
      fix: row.cells[4].textContent,
      summary: el.querySelector(".summary")?.textContent,
      assoc: data.associationState(hc),
    };
  }, HOST);
  assert.equal(out.badgeText, "undetermined");
  assert.equal(out.badgeClass, "verdict undetermined");
  assert.equal(out.rowClass, "row-undetermined");
  // Its own colour: neither refused's red nor private's green.
  assert.notEqual(out.badgeColor, "rgb(198, 40, 40)");
  assert.notEqual(out.badgeColor, "rgb(27, 94, 32)");
  assert.equal(out.badgeColor, "rgb(106, 27, 154)");
  assert.match(out.why, /^ConnectionStateUnknown: .*Missing fact: the state of private endpoint pe-arc's/);
  assert.match(out.why, /Collect it: az network private-endpoint show/);
  assert.match(out.fix, /^collect the missing fact/);
  assert.equal(out.summary, "0 private · 1 public · 0 refused · 1 undetermined (a fact is missing)");
  assert.equal(out.assoc.state, "undetermined");
  assert.match(out.assoc.text, /^Undetermined — the state of private endpoint pe-arc's connection/);
  await assertAxeClean(page, "a host check with an undetermined endpoint");
});

test("no page errors, nothing outside 127.0.0.1", T, () => {
  assert.deepEqual(pb.problems, []);
  assert.deepEqual(pb.blocked, []);
});
