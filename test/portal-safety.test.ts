// The portal warns before it breaks things (Chromium through playwright-core, against a real server
// started with the reference topology): the create wizard's Review runs ArcLink's what-if and
// names the machines a second scope in the hub VNet would cut off, and Create waits for an explicit
// confirmation; afterwards lint's findings show as banners on the pages they concern, the first
// endpoint's DNS page flags the records the second endpoint overwrote, and the machine list pages,
// searches and filters with each refused machine's fix. Every page is checked with axe-core and for
// text outside its container; the sign-in survives a reload. Each answer is checked against the API.
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

const T = { timeout: 120_000 };
const LAB = "api-version=2025-01-01";
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
  },
  { timeout: 90_000 },
);

after(() => closePortalAndServer(pb, srv));

const lintNow = async () => {
  const r = await arm(srv.info, "POST", `/subscriptions/${sub}/providers/ArcLink.Lab/lint?${LAB}`, {});
  assert.equal(r.status, 200, r.text);
  return r.json;
};

test("sign-in survives a reload for the token's lifetime; sign out ends it", T, async () => {
  const { page } = pb;
  await assertAxeClean(page, "sign-in");
  await signIn(page, srv);
  const kept = await page.evaluate(() => Object.keys(sessionStorage));
  assert.deepEqual(kept, ["arclink.portal.session"]);
  const stored = await page.evaluate(() => sessionStorage.getItem("arclink.portal.session")!);
  assert.ok(!stored.includes(srv.info.clientSecret), "the secret is never kept");
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), [], "nothing outlives the tab");
  await page.reload();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
  assert.equal(
    await page.getByRole("button", { name: "Sign in" }).count(),
    0,
    "still signed in after reload",
  );
  await page.getByText(`Signed in as ${srv.info.clientId}`).waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await signIn(page, srv);
});

test(
  "the second-scope wizard names srv-win-01 and srv-lnx-01 as cut off and needs the confirmation",
  T,
  async () => {
    const { page } = pb;
    await go(page, "/scopes/create");
    await page.getByRole("heading", { name: "Create an Azure Arc Private Link Scope" }).waitFor();
    await page.getByLabel("Resource group", { exact: true }).selectOption("rg-arc-private-link");
    await page.getByLabel("Name", { exact: true }).fill("pls-arc-2");
    await page.getByLabel("Region").selectOption("eastus");
    await assertAxeClean(page, "create scope: basics");
    // Keyboard: the wizard's Next button and the endpoint form work without a mouse.
    await page.getByRole("button", { name: "Next: Private endpoint" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "+ Create", exact: true }).focus();
    await page.keyboard.press("Enter");
    const form = page.getByRole("region", { name: "Create private endpoint" });
    await form.getByLabel("Name", { exact: true }).fill("pe-arc-2");
    await form
      .getByLabel("Virtual network")
      .selectOption({ label: "vnet-hub (rg-arc-private-link, eastus)" });
    await form.getByLabel("Subnet").selectOption({ label: "snet-private-endpoints (10.10.1.0/24)" });
    assert.equal(await form.getByLabel("Yes").isChecked(), true, "DNS integration: Yes");
    await assertAxeClean(page, "create scope: private endpoint");
    await form.getByRole("button", { name: "OK" }).click();
    await page.getByRole("tab", { name: "Review + create" }).click();

    const changes = page.getByRole("table", { name: "Machines whose verdicts change" });
    await changes.waitFor();
    const rows = await changes.locator("tbody tr").evaluateAll((trs) =>
      trs.map((tr) => ({
        host: tr.getAttribute("data-host"),
        before: tr.getAttribute("data-before"),
        after: tr.getAttribute("data-after"),
        text: (tr as HTMLElement).innerText,
      })),
    );
    assert.deepEqual(
      rows.map((r) => r.host).sort(),
      ["srv-lnx-01", "srv-win-01"],
      "exactly the two machines of pls-arc that use dc01",
    );
    for (const r of rows) {
      assert.equal(r.before, "private");
      assert.equal(r.after, "refused");
      assert.match(r.text, /MachineAssociatedWithAnotherScope/);
    }
    const review = page.getByRole("region", { name: "What-if review" });
    const added = await review
      .locator("ul.added li")
      .evaluateAll((l) => l.map((x) => x.getAttribute("data-rule")));
    assert.ok(added.includes("two-scopes-one-vnet"), `findings added: ${added}`);

    const create = page.getByRole("button", { name: "Create", exact: true });
    assert.equal(await create.isDisabled(), true, "Create waits for the confirmation");
    const confirm = page.getByLabel(/I understand that creating pls-arc-2 refuses/);
    const label = await page.locator("label", { hasText: "I understand" }).innerText();
    assert.match(label, /srv-win-01/);
    assert.match(label, /srv-lnx-01/);
    await assertAxeClean(page, "create scope: review");
    await assertNoOverflow(page, "create scope: review at 1440 px");
    // Nothing was written by the review.
    const before = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc-2?api-version=2024-07-10`,
    );
    assert.equal(before.status, 404, "what-if wrote nothing");

    await confirm.focus();
    await page.keyboard.press("Space");
    assert.equal(await create.isDisabled(), false, "confirmed: Create is enabled");
    await create.click();
    await page.getByText("Your deployment is complete").waitFor({ timeout: 60_000 });

    // What the review said is what happened.
    const chk = await arm(srv.info, "POST", `/subscriptions/${sub}/providers/ArcLink.Lab/check?${LAB}`, {
      host: "srv-win-01",
    });
    const gbl = (chk.json.value[0].endpoints as any[]).find((e) => e.endpoint === "gbl.his.arc.azure.com");
    assert.equal(gbl.verdict, "refused");
    assert.equal(gbl.reason, "MachineAssociatedWithAnotherScope");
  },
);

test(
  "lint's findings are banners on the scope, endpoint and machine pages; the DNS page flags overwritten records",
  T,
  async () => {
    const { page, context } = pb;
    const report = await lintNow();
    const scopeId = `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
    const concerns = (id: string) =>
      (report.findings as any[])
        .filter(
          (f) =>
            f.resources.some((r: string) => r.toLowerCase() === id.toLowerCase()) ||
            (f.machines ?? []).some((m: any) => String(m.machineId ?? "").toLowerCase() === id.toLowerCase()),
        )
        .map((f) => f.ruleId)
        .sort();

    // The scope's page.
    await go(page, `/scope/${encodeURIComponent(scopeId)}`);
    const scopeBanners = page.getByRole("region", { name: "Lint findings for this resource" });
    await scopeBanners.locator(".banner").first().waitFor();
    const shown = (
      await scopeBanners.locator(".banner").evaluateAll((b) => b.map((x) => x.getAttribute("data-rule")))
    ).sort();
    assert.deepEqual(shown, concerns(scopeId));
    assert.ok(shown.includes("two-scopes-one-vnet"));
    const two = scopeBanners.locator('.banner[data-rule="two-scopes-one-vnet"]');
    assert.match(await two.innerText(), /Fix: Keep one scope per virtual network/);
    await two.locator("summary").click();
    assert.ok((await two.locator("ul.trace li").count()) > 0, "the banner opens the finding's trace");
    await assertAxeClean(page, "scope overview with banners");
    await assertNoOverflow(page, "scope overview at 1440 px");

    // The first endpoint's DNS configuration: its records now hold pe-arc-2's addresses.
    const peId = `${rg}/providers/Microsoft.Network/privateEndpoints/pe-arc`;
    await go(page, `/endpoint/${encodeURIComponent(peId)}/dns`);
    const flag = page.locator('.banner[data-rule="records-disagree"]');
    await flag.waitFor();
    const pe = await arm(srv.info, "GET", `${peId}?api-version=2025-05-01`);
    const mine = new Map((pe.json.properties.customDnsConfigs as any[]).map((c) => [c.fqdn, c.ipAddresses]));
    const zone = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com/A/gbl?api-version=2020-06-01`,
    );
    const now = zone.json.properties.aRecords.map((a: any) => a.ipv4Address);
    assert.notDeepEqual(now, mine.get("gbl.his.arc.azure.com"), "the zone's record was overwritten");
    const row = page
      .getByRole("table", { name: "Records in privatelink.his.arc.azure.com" })
      .locator("tr", { hasText: "gbl.privatelink.his.arc.azure.com" });
    assert.equal(await row.locator(".agree.bad").getAttribute("data-overwritten-by"), "pe-arc-2");
    assert.match(
      await row.innerText(),
      new RegExp(`${mine.get("gbl.his.arc.azure.com")[0].replace(/\./g, "\\.")}`),
    );
    assert.match(await flag.innerText(), /overwritten by private endpoint pe-arc-2/);
    const peBanners = page.getByRole("region", { name: "Lint findings for this resource" });
    await peBanners.locator('.banner[data-rule="two-scopes-one-vnet"]').waitFor();
    // The hosts-file snippet's copy button puts the lines on the clipboard.
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.getByRole("button", { name: "Copy hosts file snippet" }).click();
    await page.getByText("Copied hosts file snippet.").waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, await page.getByRole("textbox", { name: "Hosts file lines" }).inputValue());
    await assertAxeClean(page, "endpoint DNS configuration");
    await assertNoOverflow(page, "endpoint DNS configuration at 1440 px");

    // A machine's page.
    const win = `${rg}/providers/Microsoft.HybridCompute/machines/srv-win-01`;
    await go(page, `/machine/${encodeURIComponent(win)}`);
    const mb = page.getByRole("region", { name: "Lint findings for this resource" });
    await mb.locator(".banner").first().waitFor();
    const mShown = (
      await mb.locator(".banner").evaluateAll((b) => b.map((x) => x.getAttribute("data-rule")))
    ).sort();
    assert.deepEqual(mShown, concerns(win));
    assert.ok(mShown.includes("machine-not-associated"));
    await page.locator("table.check").waitFor();
    await assertAxeClean(page, "machine page");
    await assertNoOverflow(page, "machine page at 1440 px");
  },
);

test(
  "the machine list: count, search, filters by verdict and reason, a fix on every refused row",
  T,
  async () => {
    const { page } = pb;
    const report = await lintNow();
    await go(page, "/machines");
    const count = page.locator("p.count");
    await page.locator('p.count[data-complete="true"]').waitFor();
    const all = await arm(
      srv.info,
      "GET",
      `/subscriptions/${sub}/providers/Microsoft.HybridCompute/machines?api-version=2024-07-10`,
    );
    assert.equal(Number(await count.getAttribute("data-total")), all.json.value.length);
    await page.locator('table[aria-label="Machines"] tr[data-verdict="refused"]').first().waitFor();
    // The server searches and filters: each change is drawn once its answer came.
    const answered = () => page.locator('p.count[data-pending="false"]').waitFor();
    await page.getByLabel("Search by name").fill("srv-win");
    await answered();
    assert.deepEqual(
      await page
        .getByRole("table", { name: "Machines" })
        .locator("tbody tr")
        .evaluateAll((t) => t.map((x) => x.getAttribute("data-machine"))),
      ["srv-win-01"],
    );
    await page.getByLabel("Search by name").fill("");
    await answered();
    await page.getByLabel("Verdict", { exact: true }).selectOption("refused");
    await answered();
    const refusedHosts = (report.hosts as any[])
      .filter((h) => h.machineId && (h.endpoints as any[]).some((e) => e.verdict === "refused"))
      .map((h) => h.machine)
      .sort();
    const rows = page.getByRole("table", { name: "Machines" }).locator("tbody tr");
    assert.deepEqual(
      (await rows.evaluateAll((t) => t.map((x) => x.getAttribute("data-machine")))).sort(),
      refusedHosts,
    );
    for (const t of await rows.allInnerTexts())
      assert.ok(t.split("\t").at(-1)!.trim().length > 0, `a fix on ${t}`);
    await page.getByLabel("Reason", { exact: true }).selectOption("MachineAssociatedWithAnotherScope");
    await answered();
    assert.deepEqual((await rows.evaluateAll((t) => t.map((x) => x.getAttribute("data-machine")))).sort(), [
      "srv-lnx-01",
      "srv-win-01",
    ]);
    await assertAxeClean(page, "machine list");
    await assertNoOverflow(page, "machine list at 1440 px");
    await page.setViewportSize({ width: 900, height: 900 });
    await assertNoOverflow(page, "machine list at 900 px");
    await go(
      page,
      `/endpoint/${encodeURIComponent(`${rg}/providers/Microsoft.Network/privateEndpoints/pe-arc`)}/dns`,
    );
    await page.locator('.banner[data-rule="records-disagree"]').waitFor();
    await assertNoOverflow(page, "endpoint DNS configuration at 900 px");
    await page.setViewportSize({ width: 1440, height: 900 });
  },
);

test("scope's Add resources and the endpoint list: search and filters over ARM's pages", T, async () => {
  const { page } = pb;
  const scope2 = `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc-2`;
  await go(page, `/scope/${encodeURIComponent(scope2)}/resources`);
  await page.getByRole("table", { name: "Azure Arc resources in this scope" }).waitFor();
  await page.getByRole("button", { name: "+ Add" }).click();
  const offered = page.getByRole("table", { name: "Servers that can be added" });
  await offered.waitFor();
  const panel = page.getByRole("region", { name: "Add Azure Arc resources" });
  const names = async () =>
    (await offered.locator("tbody tr td:nth-child(2)").allInnerTexts()).filter((x) => x !== "").sort();
  assert.deepEqual(await names(), ["srv-lnx-01", "srv-lnx-02", "srv-win-01"]);
  await panel.getByLabel("Current scope").selectOption("pls-arc");
  assert.deepEqual(await names(), ["srv-lnx-01", "srv-lnx-02", "srv-win-01"]);
  await panel.getByLabel("Search by name").fill("lnx");
  assert.deepEqual(await names(), ["srv-lnx-01", "srv-lnx-02"]);
  assert.match(await panel.locator("p.count").innerText(), /2 matching \(of 3\)/);
  await assertAxeClean(page, "scope: add resources");
  await panel.getByRole("button", { name: "Cancel" }).click();

  await go(page, "/endpoints");
  const list = page.getByRole("table", { name: "Private endpoints" });
  await page.locator('p.count[data-complete="true"]').waitFor();
  await page.getByLabel("Search by name").fill("arc-2");
  assert.deepEqual(await list.locator("tbody tr td:first-child").allInnerTexts(), ["pe-arc-2"]);
  await assertAxeClean(page, "endpoint list");
});

test(
  "deleting the second endpoint is reviewed too: what-if's answer for srv-win-01 and srv-lnx-01, findings resolved",
  T,
  async () => {
    const { page } = pb;
    const peId = `${rg}/providers/Microsoft.Network/privateEndpoints/pe-arc-2`;
    await go(page, `/endpoint/${encodeURIComponent(peId)}`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dlg = page.getByRole("dialog", { name: "Delete pe-arc-2?" });
    const table = dlg.getByRole("table", { name: "Machines whose verdicts change" });
    await table.waitFor();
    const rows = await table
      .locator("tbody tr")
      .evaluateAll((t) =>
        t.map((x) => ({ host: x.getAttribute("data-host")!, text: (x as HTMLElement).innerText })),
      );
    // The same question to the API: the dialog shows what-if's answer, host by host.
    const api = await arm(srv.info, "POST", `/subscriptions/${sub}/providers/ArcLink.Lab/whatIf?${LAB}`, {
      delete: { id: peId },
    });
    assert.equal(api.status, 200, api.text);
    const hosts = [...new Set((api.json.changes as any[]).map((c) => c.host))].sort();
    assert.deepEqual(rows.map((r) => r.host).sort(), hosts);
    assert.deepEqual(hosts, ["srv-lnx-01", "srv-win-01"]);
    for (const r of rows) {
      const after = (api.json.changes as any[]).filter((c) => c.host === r.host).map((c) => c.after?.reason);
      assert.ok(
        after.some((reason) => reason && r.text.includes(reason)),
        `${r.host}: the row names the reason after the change (${after}): ${r.text}`,
      );
    }
    const resolved = await dlg
      .locator("ul.resolved li")
      .evaluateAll((l) => l.map((x) => x.getAttribute("data-rule")));
    assert.ok(resolved.includes("two-scopes-one-vnet"), `resolved: ${resolved}`);
    await assertAxeClean(page, "delete dialog with review");
    await dlg.getByRole("button", { name: "Delete" }).click();
    await page.getByText("Deleted pe-arc-2.").waitFor({ timeout: 60_000 });
    const gone = await arm(srv.info, "GET", `${peId}?api-version=2025-05-01`);
    assert.equal(gone.status, 404);
  },
);

test(
  "whatIf's steps (the portal's multi-call changes): bad input gets a clear 400, nothing is written",
  T,
  async () => {
    const path = `/subscriptions/${sub}/providers/ArcLink.Lab/whatIf?${LAB}`;
    for (const [body, code, text] of [
      [{ steps: [] }, "InvalidParameter", /steps must be a list of 1 to 200 PUTs/],
      [
        { steps: [{ id: "not-an-id", apiVersion: "2024-07-10", body: {} }] },
        "InvalidParameter",
        /not an ARM resource id/,
      ],
      [
        { steps: [{ id: `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/x`, body: {} }] },
        "MissingRequiredProperty",
        /apiVersion/,
      ],
      [
        {
          steps: [
            {
              id: `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/bad name!`,
              apiVersion: "2024-07-10",
              body: { location: "eastus", properties: {} },
            },
          ],
        },
        "ChangeRefused",
        /bad name!/,
      ],
    ] as const) {
      const r = await arm(srv.info, "POST", path, body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.code, code, r.text);
      assert.match(r.json.error.message, text);
    }
    const scopes = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes?api-version=2024-07-10`,
    );
    assert.deepEqual((scopes.json.value as any[]).map((x) => x.name).sort(), ["pls-arc", "pls-arc-2"]);
  },
);

test("no page errors, nothing outside 127.0.0.1", T, async () => {
  assert.deepEqual(pb.problems, []);
  assert.deepEqual(pb.blocked, []);
});
