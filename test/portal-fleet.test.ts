// The portal at fleet scale, in Chromium (playwright-core) against a real server: first the
// reference topology (a selected host's DNS path and connection paths, drawn from its check's
// trace; labels inside their boxes at 900 and 1440 px), then 10,000 more machines made with
// `arclink fleet`: the topology groups the hosts with counts and stays under a bounded number of
// DOM elements, finds one host and draws its paths; the machine list pages (ARM's $top/nextLink),
// counts, searches and filters. Every page is checked with axe-core.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { arclink, startServer, TestServer } from "./helpers/server.js";
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

const T = { timeout: 300_000 };
const FLEET = 10_000;
/** The topology's DOM budget at any fleet size (the whole document, every element). */
const DOM_BUDGET = 5_000;
let srv: TestServer;
let pb: PortalBrowser;
let sub: string;
let rg: string;

before(
  async () => {
    srv = await startServer({ args: ["--topology", "examples/reference.yaml", "--dns", "none"] });
    sub = srv.info.subscriptionId;
    rg = `/subscriptions/${sub}/resourceGroups/rg-arc-private-link`;
    pb = await openPortal(srv);
    await signIn(pb.page, srv);
  },
  { timeout: 90_000 },
);

after(() => closePortalAndServer(pb, srv));

const key = (id: string) => id.toLowerCase();
const lab = (type: string, name: string) => key(`${rg}/providers/ArcLink.Lab/${type}/${name}`);

/** Every SVG label lies inside the box of the node that holds it. */
async function assertLabelsInBoxes(where: string): Promise<void> {
  const bad = await pb.page.evaluate(() => {
    const out: string[] = [];
    for (const g of Array.from(document.querySelectorAll("svg.topology g.node"))) {
      const rect = g.querySelector(":scope > rect, :scope > a > rect");
      if (!rect) continue;
      const b = rect.getBoundingClientRect();
      for (const t of Array.from(g.querySelectorAll(":scope > text, :scope > a > text"))) {
        const r = t.getBoundingClientRect();
        if (!r.width) continue;
        if (r.left < b.left - 1 || r.right > b.right + 1)
          out.push(
            `"${t.textContent}" (${Math.round(r.left)}–${Math.round(r.right)}) outside its box (${Math.round(b.left)}–${Math.round(b.right)})`,
          );
      }
    }
    return out.slice(0, 10);
  });
  assert.deepEqual(bad, [], `labels outside their boxes on ${where}`);
}

test("a selected host's DNS path and connection paths, each ending where it was decided", T, async () => {
  const { page } = pb;
  await go(page, "/topology");
  await page.locator("svg.topology").waitFor();
  // srv-lnx-01 asks dc01, which forwards to the resolver's inbound endpoint, answered from the zone.
  await page.getByRole("button", { name: /^srv-lnx-01:/ }).click();
  const sel01 = page.locator('g.selection[data-host="srv-lnx-01"]');
  await sel01.waitFor();
  const dns01 = await sel01
    .locator('g.selpath-group[data-kind="dns"][data-endpoint="gbl.his.arc.azure.com"]')
    .getAttribute("data-hops");
  assert.equal(
    dns01,
    [
      lab("hosts", "srv-lnx-01"),
      lab("dnsServers", "dc01"),
      key(`${rg}/providers/Microsoft.Network/dnsResolvers/dnspr-hub/inboundEndpoints/inbound`),
      key(`${rg}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`),
    ].join(">"),
  );
  const conn01 = sel01.locator(
    'g.selpath-group[data-kind="connection"][data-endpoint="gbl.his.arc.azure.com"]',
  );
  assert.equal(
    await conn01.getAttribute("data-hops"),
    [
      lab("hosts", "srv-lnx-01"),
      lab("firewalls", "fw-onprem"),
      key(`${rg}/providers/Microsoft.Network/privateEndpoints/pe-arc`),
    ].join(">"),
  );
  assert.equal(await conn01.getAttribute("data-stopped"), "false");

  // srv-lnx-02 asks 8.8.8.8 (the root cause, now drawn); its refused line stops at the firewall.
  await page.getByRole("button", { name: /^srv-lnx-02:/ }).click();
  const sel02 = page.locator('g.selection[data-host="srv-lnx-02"]');
  await sel02.waitFor();
  const checked = await arm(
    srv.info,
    "POST",
    `/subscriptions/${sub}/providers/ArcLink.Lab/check?api-version=2025-01-01`,
    {
      host: "srv-lnx-02",
    },
  );
  const gbl = (checked.json.value[0].endpoints as any[]).find((e) => e.endpoint === "gbl.his.arc.azure.com");
  assert.equal(gbl.verdict, "refused");
  assert.match(JSON.stringify(gbl.trace), /firewall fw-onprem/);
  assert.equal(
    await sel02
      .locator('g.selpath-group[data-kind="dns"][data-endpoint="gbl.his.arc.azure.com"]')
      .getAttribute("data-hops"),
    [lab("hosts", "srv-lnx-02"), "service:publicdns"].join(">"),
  );
  const conn02 = sel02.locator(
    'g.selpath-group[data-kind="connection"][data-endpoint="gbl.his.arc.azure.com"]',
  );
  assert.equal(
    await conn02.getAttribute("data-hops"),
    [lab("hosts", "srv-lnx-02"), lab("firewalls", "fw-onprem")].join(">"),
  );
  assert.equal(await conn02.getAttribute("data-stopped"), "true");
  assert.equal(await conn02.locator(".stop-mark").count(), 1, "a mark where it was refused");
  // Every refused row of the host panel has its fix.
  const refusedRows = await page.locator("#host-panel table.check tbody tr.row-refused").all();
  assert.ok(refusedRows.length > 0);
  for (const row of refusedRows) {
    const fix = (await row.locator("td").last().innerText()).trim();
    assert.ok(fix.length > 0 && !fix.startsWith("No fix is known"), `a fix on ${await row.innerText()}`);
  }
  // Refused and public lines differ by line style, not only hue.
  const dash = (sel: string) =>
    page
      .locator(sel)
      .first()
      .evaluate((p) => getComputedStyle(p).strokeDasharray);
  const styles = new Set([
    await dash("path.edge.path.private"),
    await dash("path.edge.path.public"),
    await dash("path.edge.path.refused"),
  ]);
  assert.equal(styles.size, 3, `three line styles: ${[...styles]}`);
  await assertAxeClean(page, "topology with a selected host");
  await assertLabelsInBoxes("topology at 1440 px");
  await assertNoOverflow(page, "topology at 1440 px");
  await page.setViewportSize({ width: 900, height: 900 });
  await assertLabelsInBoxes("topology at 900 px");
  await assertNoOverflow(page, "topology at 900 px");
  await page.setViewportSize({ width: 1440, height: 900 });
});

test(
  `${FLEET.toLocaleString("en-US")} machines: the topology stays under ${DOM_BUDGET} elements, groups hosts, finds one`,
  T,
  async () => {
    const { page } = pb;
    const r = await arclink(
      [
        "fleet",
        "--ready-file",
        srv.readyFile,
        "--machines",
        String(FLEET),
        "--heartbeats",
        "0",
        "--name-prefix",
        "fl",
        "--json",
      ],
      { timeoutMs: 240_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.created, FLEET);

    await go(page, "/machines");
    await go(page, "/topology");
    const groups = page.locator("svg.topology g.host-group");
    await groups.first().waitFor({ timeout: 120_000 });
    const elements = await page.evaluate(() => document.getElementsByTagName("*").length);
    assert.ok(elements < DOM_BUDGET, `${elements} elements on the topology page (budget ${DOM_BUDGET})`);
    // The groups' counts add up to the hosts lint checked.
    const lint = await arm(
      srv.info,
      "POST",
      `/subscriptions/${sub}/providers/ArcLink.Lab/lint?api-version=2025-01-01`,
      {},
    );
    const counted = (
      await groups.evaluateAll((gs) => gs.map((g) => Number(g.getAttribute("data-count"))))
    ).reduce((a, b) => a + b, 0);
    const hostsInSites = (lint.json.hosts as any[]).length;
    assert.equal(counted, hostsInSites, "every host is in one group");
    // The server's grouping the diagram reads: the same hosts, and bad input refused with ARM's envelope.
    const groupsUrl = `/subscriptions/${sub}/providers/ArcLink.Lab/hostGroups?api-version=2025-01-01`;
    const grouped = await arm(srv.info, "POST", groupsUrl, { groupAt: 12, open: {} });
    assert.equal(grouped.status, 200);
    assert.equal(grouped.json.totals.hosts, hostsInSites);
    assert.ok(JSON.stringify(grouped.json).length < 100_000, "the answer stays small at fleet scale");
    const bad = await arm(srv.info, "POST", groupsUrl, { open: { "x|refused": "all" } });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /open\['x\|refused'\]' must be an integer/);

    // A closed group draws its hosts' lines, summed, from the group's box.
    const summed = page.locator("svg.topology g.edge-group[data-group]");
    assert.ok((await summed.count()) > 0, "closed groups draw their hosts' lines");
    assert.match(
      String(await summed.first().locator("title").textContent()),
      /^[\d,]+ \w+ hosts? of .+ → .+\n.+ \([\d,]+ hosts?\)/,
    );
    // Open a group: twenty hosts, then twenty more; the budget holds.
    const sizes = await groups.evaluateAll((gs) => gs.map((g) => Number(g.getAttribute("data-count"))));
    assert.ok(Math.max(...sizes) > 40, `a group of more than 40 hosts: ${sizes}`);
    const first = groups.nth(sizes.indexOf(Math.max(...sizes)));
    await first.focus();
    await page.keyboard.press("Enter");
    await page.locator("svg.topology g.host-more").first().waitFor();
    assert.equal(await page.locator("svg.topology g.host").count(), 20);
    await page.locator("svg.topology g.host-more").first().click();
    await page.waitForFunction(() => document.querySelectorAll("svg.topology g.host").length === 40);
    assert.ok((await page.evaluate(() => document.getElementsByTagName("*").length)) < DOM_BUDGET);

    // Find one host deep in the fleet: it shows, its check and its paths are drawn.
    const target = "fl-07777";
    const hosts = (lint.json.hosts as any[]).map((h) => h.host);
    const name = hosts.find((h: string) => h === target) ?? hosts[Math.floor(hosts.length * 0.77)];
    await page.getByLabel("Find a host").fill(name);
    await page.getByRole("button", { name: "Find", exact: true }).click();
    await page.locator(`g.selection[data-host="${name}"]`).waitFor({ timeout: 60_000 });
    await page.locator(`svg.topology g.host[data-host="${name}"]`).waitFor();
    await page.locator("#host-panel table.check").waitFor();
    assert.ok(
      (await page.locator(`g.selection[data-host="${name}"] g.selpath-group[data-kind="dns"]`).count()) > 0,
    );
    assert.ok((await page.evaluate(() => document.getElementsByTagName("*").length)) < DOM_BUDGET);
    // Zoom in and out changes the view box; Fit restores it.
    const svg = page.locator("svg.topology");
    const vb0 = await svg.getAttribute("viewBox");
    await page.getByRole("button", { name: "Zoom in" }).click();
    assert.notEqual(await svg.getAttribute("viewBox"), vb0);
    await page.getByRole("button", { name: "Fit" }).click();
    assert.equal(await svg.getAttribute("viewBox"), vb0);
    await assertAxeClean(page, `topology with ${FLEET} machines`);
  },
);

test(
  `${FLEET.toLocaleString("en-US")} machines: the machine list pages, counts, searches and filters`,
  T,
  async () => {
    const { page } = pb;
    // Every request the machine list makes for machines or verdicts, with its answer's size.
    const asked: Array<{ url: string; body: string; bytes: number }> = [];
    const onResponse = async (res: any) => {
      const u: string = res.url();
      if (
        !/\/providers\/(Microsoft\.HybridCompute\/machines\?|ArcLink\.Lab\/(lint|check|machineList)\?)/.test(
          u,
        )
      )
        return;
      const body = String(res.request().postData() ?? "");
      const bytes = await res.body().then(
        (b: Buffer) => b.length,
        () => -1,
      );
      asked.push({ url: u, body, bytes });
    };
    await go(page, "/topology");
    await page.locator("svg.topology g.host-group").first().waitFor({ timeout: 120_000 });
    page.on("response", onResponse);
    await go(page, "/machines");
    await page.locator('p.count[data-complete="true"]').waitFor({ timeout: 120_000 });
    await page
      .locator('table[aria-label="Machines"] tr[data-verdict]:not([data-verdict=""])')
      .first()
      .waitFor({ timeout: 120_000 });
    const total = Number(await page.locator("p.count").getAttribute("data-total"));
    assert.ok(total >= FLEET + 3, `${total} machines counted`);
    // After the first paint: only what the visible screen needs. No ARM list read page by page,
    // no host's verdicts beyond the screen's, each answer small and few of them.
    const first = [...asked];
    const what = first
      .map((x) => `${x.url.replace(/^.*\/providers\//, "")} ${x.body} (${x.bytes} B)`)
      .join("\n");
    assert.equal(
      first.filter((x) => /Microsoft\.HybridCompute\/machines\?/.test(x.url)).length,
      0,
      `the machine list is not read whole:\n${what}`,
    );
    assert.ok(
      first
        .filter((x) => /ArcLink\.Lab\/lint\?/.test(x.url))
        .every((x) => JSON.parse(x.body || "{}").hosts === false),
      `lint is asked for its findings only:\n${what}`,
    );
    assert.ok(first.length <= 4, `${first.length} requests:\n${what}`);
    assert.ok(
      first.every((x) => x.bytes >= 0 && x.bytes < 200_000),
      `every answer under 200 kB:\n${what}`,
    );
    const screen = first.filter((x) => /machineList\?/.test(x.url));
    assert.ok(screen.length >= 1 && screen.every((x) => JSON.parse(x.body).top === 50), what);
    const rows = page.getByRole("table", { name: "Machines" }).locator("tbody tr");
    assert.equal(await rows.count(), 50, "one screen of rows");
    const answered = () => page.locator('p.count[data-pending="false"]').waitFor({ timeout: 120_000 });
    await page.getByRole("button", { name: "Next page" }).click();
    await answered();
    assert.match(await page.locator("p.count").innerText(), /^Showing 51–100 of /);
    const listed = await arm(
      srv.info,
      "GET",
      `/subscriptions/${sub}/providers/Microsoft.HybridCompute/machines?api-version=2024-07-10&$top=1000`,
    );
    const one = String((listed.json.value as any[]).filter((m) => m.name.startsWith("fl"))[777].name);
    await page.getByLabel("Search by name").fill(one);
    await answered();
    const found = await rows.evaluateAll((t) => t.map((x) => x.getAttribute("data-machine")));
    assert.ok(found.includes(one) && found.every((n) => String(n).includes(one)), `${one}: ${found}`);
    await page.getByLabel("Search by name").fill("");
    await answered();
    await page.getByLabel("Verdict", { exact: true }).selectOption("refused");
    await answered();
    assert.ok(
      (await rows.evaluateAll((t) => t.map((x) => x.getAttribute("data-verdict")))).every(
        (x) => x === "refused",
      ),
    );
    const refused = Number(await page.locator("p.count").getAttribute("data-matching"));
    // Every refused row on the screen has its fix (or says none is known), once the fixes came.
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('table[aria-label="Machines"] tbody tr')).every(
        (tr) => (tr.lastElementChild?.textContent ?? "").trim() !== "",
      ),
    );
    const lint = await arm(
      srv.info,
      "POST",
      `/subscriptions/${sub}/providers/ArcLink.Lab/lint?api-version=2025-01-01`,
      {},
    );
    const want = (lint.json.hosts as any[]).filter(
      (h) => h.machineId && (h.endpoints as any[]).some((e) => e.verdict === "refused"),
    ).length;
    assert.equal(refused, want, "the verdict filter matches lint's refused machines");
    await page.getByLabel("Status", { exact: true }).selectOption({ index: 1 });
    await answered();
    assert.ok((await page.evaluate(() => document.getElementsByTagName("*").length)) < DOM_BUDGET);
    // Paging, search and filters asked the server for one screen each, never the whole list.
    page.off("response", onResponse);
    assert.equal(asked.filter((x) => /Microsoft\.HybridCompute\/machines\?/.test(x.url)).length, 0);
    assert.ok(
      asked.every((x) => x.bytes >= 0 && x.bytes < 200_000),
      `every answer stays small:\n${asked.map((x) => `${x.url.replace(/^.*\/providers\//, "")} ${x.body} (${x.bytes} B)`).join("\n")}`,
    );
    await assertAxeClean(page, `machine list with ${FLEET} machines`);
    await assertNoOverflow(page, `machine list with ${FLEET} machines`);
  },
);

test("no page errors, nothing outside 127.0.0.1", T, async () => {
  assert.deepEqual(pb.problems, []);
  assert.deepEqual(pb.blocked, []);
});
