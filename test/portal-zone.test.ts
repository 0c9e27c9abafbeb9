// A private DNS zone's page and keyboard use of the lists (Chromium through playwright-core,
// against a real server started with the reference topology). The zone is put in a state lint
// flags through ARM itself (its link to the hub VNet deleted, 105 record sets added); the endpoint's
// DNS configuration links to the zone's page, whose record sets are read through ARM's own
// $top/nextLink, counted, paged and searched, whose links list shows what is left, and whose banner
// carries lint's finding about the zone. The machine list is then walked with the keyboard only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, TestServer } from "./helpers/server.js";
import { arm } from "./helpers/arm.js";
import {
  assertAxeClean,
  assertNoOverflow,
  closePortalAndServer,
  go,
  openPortal,
  PortalBrowser,
  signIn,
} from "./helpers/portalBrowser.js";

const T = { timeout: 180_000 };
const DNS = "api-version=2020-06-01";
const ZONE_NAME = "privatelink.guestconfiguration.azure.com";
let srv: TestServer;
let pb: PortalBrowser;
let rg: string;
let zoneId: string;

before(
  async () => {
    srv = await startServer({ args: ["--topology", "examples/reference.yaml", "--dns", "none"] });
    rg = `/subscriptions/${srv.info.subscriptionId}/resourceGroups/rg-arc-private-link`;
    zoneId = `${rg}/providers/Microsoft.Network/privateDnsZones/${ZONE_NAME}`;
    pb = await openPortal(srv);
    await signIn(pb.page, srv);
  },
  { timeout: 90_000 },
);

after(() => closePortalAndServer(pb, srv));

test(
  "the DNS configuration's zone link opens the zone page: records paged and searched, links, banner",
  T,
  async () => {
    const { page, problems, blocked } = pb;
    // The state lint flags: the zone is no longer linked to vnet-hub, where the resolver lives.
    const links = await arm(srv.info, "GET", `${zoneId}/virtualNetworkLinks?${DNS}`);
    assert.equal(links.status, 200, links.text);
    assert.equal(links.json.value.length, 1, "the reference links the zone to vnet-hub once");
    const del = await arm(srv.info, "DELETE", `${links.json.value[0].id}?${DNS}`);
    assert.ok([200, 202, 204].includes(del.status), del.text);
    // 105 record sets more, so that the list needs a second page of ARM's $top=100.
    for (let i = 1; i <= 105; i += 15)
      await Promise.all(
        Array.from({ length: Math.min(15, 106 - i) }, (_, k) => {
          const n = `rec-${String(i + k).padStart(3, "0")}`;
          return arm(srv.info, "PUT", `${zoneId}/A/${n}?${DNS}`, {
            properties: {
              ttl: 300,
              aRecords: [{ ipv4Address: `10.99.${Math.floor((i + k) / 250)}.${(i + k) % 250}` }],
            },
          }).then((r) => assert.ok([200, 201].includes(r.status), r.text));
        }),
      );
    const all = await arm(srv.info, "GET", `${zoneId}/ALL?${DNS}&$top=1000`);
    assert.equal(all.status, 200, all.text);
    const total = all.json.value.length;
    assert.ok(total > 105, `the zone holds ${total} record sets`);
    const lint = await arm(
      srv.info,
      "POST",
      `/subscriptions/${srv.info.subscriptionId}/providers/ArcLink.Lab/lint?api-version=2025-01-01`,
      {},
    );
    assert.equal(lint.status, 200, lint.text);
    const about = (lint.json.findings as any[]).filter((f) =>
      (f.resources ?? []).some((r: string) => r.toLowerCase() === zoneId.toLowerCase()),
    );
    assert.ok(
      about.some((f) => f.ruleId === "zone-not-linked"),
      `lint flags the unlinked zone: ${JSON.stringify(about.map((f) => f.ruleId))}`,
    );

    const requests: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/ALL")) requests.push(decodeURIComponent(r.url()));
    });
    const peId = `${rg}/providers/Microsoft.Network/privateEndpoints/pe-arc`;
    await go(page, `/endpoint/${encodeURIComponent(peId)}/dns`);
    await page.getByRole("link", { name: ZONE_NAME, exact: true }).click();
    await page.getByRole("heading", { name: new RegExp(`^${ZONE_NAME.replace(/\./g, "\\.")}`) }).waitFor();
    assert.match(decodeURIComponent(page.url()), new RegExp(`#/zone/${zoneId.replace(/\./g, "\\.")}`));
    assert.equal(await page.getByRole("heading", { name: "Not found" }).count(), 0);

    const recs = page.getByRole("region", { name: "Record sets" });
    const count = recs.locator(".count");
    await recs.locator('.count[data-complete="true"]').waitFor();
    assert.equal(await count.getAttribute("data-total"), String(total), "the count is ARM's");
    assert.ok(
      requests.some((u) => /\$top=100(&|$)/.test(u)),
      `first request with $top: ${requests}`,
    );
    assert.ok(
      requests.some((u) => /\$skipToken=/i.test(u)),
      `the second page read through ARM's nextLink: ${requests}`,
    );
    const names = () =>
      recs.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-record")));
    const first = await names();
    assert.equal(first.length, 20, "one screen of rows");
    assert.equal(first[0], "SOA @", "the SOA first, as ARM lists the zone");
    await recs.getByRole("button", { name: "Next page" }).click();
    const second = await names();
    assert.equal(second.length, 20);
    assert.ok(!second.some((n) => first.includes(n)), "the next screen shows other record sets");
    assert.match(await count.innerText(), new RegExp(`Showing 21–40 of ${total}`));
    await recs.getByLabel("Search by name").fill("rec-10");
    const found = await names();
    assert.deepEqual(
      found,
      ["rec-100", "rec-101", "rec-102", "rec-103", "rec-104", "rec-105"].map((n) => `A ${n}`),
    );
    assert.equal(await count.getAttribute("data-matching"), "6");
    await recs.getByLabel("Type").selectOption("SOA");
    await recs.getByLabel("Search by name").fill("");
    assert.deepEqual(await names(), ["SOA @"]);
    const row = await recs.locator("tbody tr").first().innerText();
    assert.match(row, /azureprivatedns\.net|SOA/);

    // The links list: the deleted link is gone, and the page says none is left.
    const linkList = page.getByRole("region", { name: "Virtual network links" });
    await linkList.locator('.count[data-complete="true"]').waitFor();
    assert.equal(await linkList.locator(".count").getAttribute("data-total"), "0");
    await linkList.getByText("No items.").waitFor();

    // The banner: lint's finding about this zone, with its fix.
    const banners = page.getByRole("region", { name: "Lint findings for this resource" });
    const b = banners.locator('.banner[data-rule="zone-not-linked"]');
    await b.first().waitFor();
    assert.match(
      await b.first().innerText(),
      new RegExp(`${ZONE_NAME.replace(/\./g, "\\.")} is not linked to VNet vnet-hub`),
    );
    assert.match(await b.first().innerText(), /Fix: Link the privatelink zone/);
    await assertAxeClean(page, "private DNS zone page");
    await assertNoOverflow(page, "private DNS zone page at 1440 px");
    assert.deepEqual(problems, []);
    assert.deepEqual(blocked, []);

    // A linked zone shows its link, and an unknown zone says it was not found (ARM's error).
    const his = `${rg}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`;
    await go(page, `/zone/${encodeURIComponent(his)}`);
    const hl = page.getByRole("region", { name: "Virtual network links" });
    await hl.locator('.count[data-complete="true"]').waitFor();
    assert.equal(await hl.locator(".count").getAttribute("data-total"), "1");
    assert.match(await hl.locator("tbody tr").first().innerText(), /vnet-hub/);
    await go(
      page,
      `/zone/${encodeURIComponent(`${rg}/providers/Microsoft.Network/privateDnsZones/nope.example`)}`,
    );
    await page
      .getByText(/ResourceNotFound|not found/i)
      .first()
      .waitFor();
  },
);

test(
  "the machine list with the keyboard only: Tab to search, type, Tab to the filters, Enter on a row",
  T,
  async () => {
    const { page, problems } = pb;
    // The screen is asked first without fixes, then once more with them. That second answer is held
    // back until the keyboard is on a row: its arrival redraws the list, and the focus must stay.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let heldCalls = 0;
    let fixesAsked!: () => void;
    const fixesRequest = new Promise<void>((r) => (fixesAsked = r));
    await page.route("**/providers/ArcLink.Lab/machineList?*", async (route) => {
      if (heldCalls === 0 && /"fixes":true/.test(route.request().postData() ?? "")) {
        heldCalls++;
        fixesAsked();
        await held;
      }
      await route.continue();
    });
    await go(page, "/machines");
    const list = page.getByRole("table", { name: "Machines" });
    await list.locator("tbody tr[data-machine]").first().waitFor();
    const firstName = await list.locator("tbody tr[data-machine]").first().getAttribute("data-machine");
    // Start from the list's toolbar, then keys only.
    await page.getByRole("link", { name: "+ Add/Create" }).focus();
    const focused = () =>
      page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        const id = a?.id;
        const label = id ? document.querySelector(`label[for="${id}"]`)?.textContent : undefined;
        return {
          tag: a?.tagName.toLowerCase(),
          label: label ?? a?.getAttribute("aria-label") ?? a?.textContent,
        };
      });
    const tabToRow = async () => {
      for (const label of ["Status", "Verdict", "Reason"]) {
        await page.keyboard.press("Tab");
        assert.deepEqual(await focused(), { tag: "select", label });
      }
      await page.keyboard.press("Tab");
    };
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(), { tag: "input", label: "Search by name" });
    await tabToRow();
    assert.deepEqual(await focused(), { tag: "a", label: firstName }, "the first row's name is next");
    await fixesRequest;
    assert.equal(heldCalls, 1, "the list asked for the screen's fixes");
    release();
    await page.locator('p.count[data-pending="false"]').waitFor();
    assert.deepEqual(
      await focused(),
      { tag: "a", label: firstName },
      "the fixes' redraw keeps the keyboard on the row",
    );
    // Back to the search box, type, and Tab to the row again.
    for (let i = 0; i < 4; i++) await page.keyboard.press("Shift+Tab");
    assert.deepEqual(await focused(), { tag: "input", label: "Search by name" });
    await page.keyboard.type("srv-win");
    await list.locator('tbody tr[data-machine="srv-win-01"]').waitFor();
    await page.locator('p.count[data-pending="false"]').waitFor();
    assert.deepEqual(
      await list
        .locator("tbody tr[data-machine]")
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-machine"))),
      ["srv-win-01"],
      "typing searched the list",
    );
    await tabToRow();
    assert.deepEqual(await focused(), { tag: "a", label: "srv-win-01" }, "the first row's name is next");
    // Back to the Verdict filter, choose a verdict with the arrow keys, and back to the row.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    assert.deepEqual(await focused(), { tag: "select", label: "Verdict" });
    await page.keyboard.press("ArrowDown");
    const picked = await page.evaluate(() => (document.activeElement as HTMLSelectElement).value);
    assert.notEqual(picked, "", "the arrow key chose a verdict");
    const rows = await list
      .locator("tbody tr[data-machine]")
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute("data-machine"), tr.getAttribute("data-verdict")]),
      );
    assert.deepEqual(rows, [["srv-win-01", picked]]);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(), { tag: "a", label: "srv-win-01" });
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: /^srv-win-01/ }).waitFor();
    assert.match(decodeURIComponent(page.url()), /#\/machine\/.*\/machines\/srv-win-01/);
    await page.unroute("**/providers/ArcLink.Lab/lint?*");
    assert.deepEqual(problems, []);
  },
);
