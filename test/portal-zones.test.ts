// Private DNS zones in the portal, and the keyboard on the scope's resources and the endpoint list
// (Chromium through playwright-core, against a real server started with the reference topology).
// The zones list is read through ARM's own $top/nextLink, counted, searched and filtered; a zone is
// created and deleted through the Review step (what-if first), and deleting a linked zone shows
// Resource Manager's refusal before anything is sent. Each answer is checked against the API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
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

const focused = (page: Page) =>
  page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    const id = a?.id;
    const label = id ? document.querySelector(`label[for="${id}"]`)?.textContent : undefined;
    return {
      tag: a?.tagName.toLowerCase(),
      label: label ?? a?.getAttribute("aria-label") ?? a?.textContent?.trim(),
    };
  });

test(
  "the zones list: ARM's pages ($top, nextLink), count, search and the resource group filter",
  T,
  async () => {
    const { page, problems, blocked } = pb;
    // 110 zones in a second resource group, so that the list needs two of ARM's pages of 100.
    const other = `/subscriptions/${sub}/resourceGroups/rg-zones`;
    const g = await arm(srv.info, "PUT", `${other}?api-version=2022-09-01`, { location: "eastus" });
    assert.ok([200, 201].includes(g.status), g.text);
    for (let i = 1; i <= 110; i += 15)
      await Promise.all(
        Array.from({ length: Math.min(15, 111 - i) }, (_, k) => {
          const n = `z-${String(i + k).padStart(3, "0")}.example.internal`;
          return arm(srv.info, "PUT", `${other}/providers/Microsoft.Network/privateDnsZones/${n}?${DNS}`, {
            location: "global",
          }).then((r) => assert.ok([200, 201, 202].includes(r.status), r.text));
        }),
      );
    const all = await arm(
      srv.info,
      "GET",
      `/subscriptions/${sub}/providers/Microsoft.Network/privateDnsZones?${DNS}&$top=1000`,
    );
    assert.equal(all.status, 200, all.text);
    const total = all.json.value.length;
    assert.equal(total, 113, "the reference's three zones and 110 more");

    const requests: string[] = [];
    const seen = (r: { url(): string }) => {
      if (r.url().includes("/privateDnsZones?")) requests.push(decodeURIComponent(r.url()));
    };
    page.on("request", seen);
    await page.getByRole("link", { name: "Private DNS zones" }).click();
    await page.getByRole("heading", { name: "Private DNS zones" }).waitFor();
    const count = page.locator("p.count");
    await page.locator('p.count[data-complete="true"]').waitFor();
    page.off("request", seen);
    assert.equal(await count.getAttribute("data-total"), String(total), "the count is ARM's");
    assert.ok(
      requests.some((u) => /\$top=100(&|$)/.test(u)),
      `first request with $top: ${requests}`,
    );
    assert.ok(
      requests.some((u) => /\$skipToken=/i.test(u)),
      `the second page read through ARM's nextLink: ${requests}`,
    );
    const list = page.getByRole("table", { name: "Private DNS zones" });
    const zones = () =>
      list.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-zone")));
    assert.equal((await zones()).length, 50, "one screen of rows");
    assert.match(await count.innerText(), new RegExp(`Showing 1–50 of ${total}`));
    await page.getByLabel("Search by name").fill("z-10");
    assert.deepEqual(
      (await zones()).sort(),
      Array.from({ length: 10 }, (_, i) => `z-${100 + i}.example.internal`),
    );
    assert.equal(await count.getAttribute("data-matching"), "10");
    await page.getByLabel("Search by name").fill("");
    await page.getByLabel("Resource group", { exact: true }).selectOption("rg-arc-private-link");
    assert.deepEqual((await zones()).sort(), [
      "privatelink.dp.kubernetesconfiguration.azure.com",
      "privatelink.guestconfiguration.azure.com",
      "privatelink.his.arc.azure.com",
    ]);
    const his = list.locator('tr[data-zone="privatelink.his.arc.azure.com"]');
    const apiHis = (all.json.value as any[]).find((z) => z.name === "privatelink.his.arc.azure.com");
    assert.match(
      await his.innerText(),
      new RegExp(
        `rg-arc-private-link\\s+${apiHis.properties.numberOfRecordSets}\\s+${apiHis.properties.numberOfVirtualNetworkLinks}`,
      ),
    );
    await assertAxeClean(page, "private DNS zones list");
    await assertNoOverflow(page, "private DNS zones list at 1440 px");
    await his.getByRole("link").click();
    await page.getByRole("heading", { name: /^privatelink\.his\.arc\.azure\.com/ }).waitFor();
    assert.equal(await page.locator("p.crumbs a").first().innerText(), "Private DNS zones");
    assert.deepEqual(problems, []);
    assert.deepEqual(blocked, []);
  },
);

test(
  "create a zone through Review + create, delete it through the reviewed dialog; a linked zone's refusal is shown first",
  T,
  async () => {
    const { page, problems } = pb;
    await go(page, "/zones");
    await page.getByRole("link", { name: "+ Create" }).click();
    await page.getByRole("heading", { name: "Create Private DNS zone" }).waitFor();
    await page.getByLabel("Resource group").selectOption("rg-arc-private-link");
    await page.getByLabel("Name", { exact: true }).fill("not a zone");
    await page.getByRole("button", { name: "Next: Review + create" }).click();
    await page.getByText(/'not a zone' is not a DNS zone name/).waitFor();
    await assertAxeClean(page, "create zone: validation");
    await page.getByRole("button", { name: "Previous" }).click();
    await page.getByLabel("Name", { exact: true }).fill("corp.example.internal");
    await page.getByRole("tab", { name: "Review + create" }).click();
    const review = page.getByRole("region", { name: "What-if review" });
    await review.getByText("No machine's verdict changes and no lint finding appears or goes.").waitFor();
    const create = page.getByRole("button", { name: "Create", exact: true });
    await page.waitForFunction(
      () =>
        !(
          Array.from(document.querySelectorAll("button")).find((b) => b.textContent === "Create") as
            HTMLButtonElement | undefined
        )?.disabled,
    );
    const id = `${rg}/providers/Microsoft.Network/privateDnsZones/corp.example.internal`;
    assert.equal((await arm(srv.info, "GET", `${id}?${DNS}`)).status, 404, "the review wrote nothing");
    await assertAxeClean(page, "create zone: review + create");
    await create.click();
    await page.getByText("Your deployment is complete.").waitFor();
    const made = await arm(srv.info, "GET", `${id}?${DNS}`);
    assert.equal(made.status, 200, made.text);
    assert.equal(made.json.location, "global");
    await page.getByRole("link", { name: "Go to corp.example.internal" }).click();
    await page.getByRole("heading", { name: /^corp\.example\.internal/ }).waitFor();

    // Delete: the dialog runs what-if first, then deletes and returns to the list.
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const dlg = page.getByRole("dialog", { name: "Delete corp.example.internal?" });
    await dlg.getByText("No machine's verdict changes and no lint finding appears or goes.").waitFor();
    await assertAxeClean(page, "delete zone dialog");
    await dlg.getByRole("button", { name: "Delete" }).click();
    await page.getByText("Deleted corp.example.internal.").waitFor({ timeout: 60_000 });
    await page.getByRole("heading", { name: "Private DNS zones" }).waitFor();
    assert.equal((await arm(srv.info, "GET", `${id}?${DNS}`)).status, 404);

    // A zone that still has a link: the review shows Resource Manager's refusal before the call.
    const linked = `${rg}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com`;
    await go(page, `/zone/${encodeURIComponent(linked)}`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const d2 = page.getByRole("dialog", { name: "Delete privatelink.his.arc.azure.com?" });
    const refused = d2.getByRole("alert").filter({ hasText: "What-if: Azure Resource Manager would refuse" });
    await refused.waitFor();
    assert.match(await refused.innerText(), /CannotDeleteZoneWithVirtualNetworkLinks/);
    await page.keyboard.press("Escape");
    await d2.waitFor({ state: "detached" });
    assert.equal((await arm(srv.info, "GET", `${linked}?${DNS}`)).status, 200, "nothing was deleted");
    assert.deepEqual(problems, []);
  },
);

test(
  "the scope's Azure Arc resources with the keyboard only: search, filters, select a row, Remove's review",
  T,
  async () => {
    const { page, problems } = pb;
    const scopeId = `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
    const machines = await arm(
      srv.info,
      "GET",
      `/subscriptions/${sub}/providers/Microsoft.HybridCompute/machines?api-version=2024-07-10`,
    );
    const members = (machines.json.value as any[])
      .filter(
        (m) => String(m.properties?.privateLinkScopeResourceId ?? "").toLowerCase() === scopeId.toLowerCase(),
      )
      .map((m) => m.name as string)
      .sort();
    assert.ok(members.includes("srv-lnx-01"), `members: ${members}`);
    await go(page, `/scope/${encodeURIComponent(scopeId)}/resources`);
    const list = page.getByRole("table", { name: "Azure Arc resources in this scope" });
    await page.locator('p.count[data-complete="true"]').waitFor();
    assert.deepEqual(
      (
        await list.locator("tbody tr").evaluateAll((t) => t.map((x) => x.getAttribute("data-machine")))
      ).sort(),
      members,
    );
    await page.getByRole("button", { name: "Refresh" }).focus();
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "input", label: "Search by name" });
    await page.keyboard.type("lnx-01");
    assert.deepEqual(
      await list.locator("tbody tr").evaluateAll((t) => t.map((x) => x.getAttribute("data-machine"))),
      ["srv-lnx-01"],
    );
    for (const label of ["Status", "Private Link state"]) {
      await page.keyboard.press("Tab");
      assert.deepEqual(await focused(page), { tag: "select", label });
    }
    // The arrow keys choose srv-lnx-01's own state (as the check evaluator reported it).
    const state = String(await list.locator('.assoc[data-machine="srv-lnx-01"]').getAttribute("data-state"));
    for (let i = 0; i < 6; i++) {
      if ((await page.evaluate(() => (document.activeElement as HTMLSelectElement).value)) === state) break;
      await page.keyboard.press("ArrowDown");
    }
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLSelectElement).value), state);
    const shown = await list
      .locator("tbody tr .assoc")
      .evaluateAll((t) => t.map((x) => [x.getAttribute("data-machine"), x.getAttribute("data-state")]));
    assert.deepEqual(shown, [["srv-lnx-01", state]]);
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "input", label: "Select srv-lnx-01" });
    await page.keyboard.press("Space");
    assert.equal(await page.getByLabel("Select srv-lnx-01").isChecked(), true);
    for (let i = 0; i < 5; i++) await page.keyboard.press("Shift+Tab");
    assert.deepEqual(await focused(page), { tag: "button", label: "Remove" });
    await assertAxeClean(page, "scope resources, a row selected");
    await page.keyboard.press("Enter");
    const dlg = page.getByRole("dialog", { name: "Remove from the scope?" });
    await dlg.getByRole("region", { name: "What-if review" }).locator("p.summary").waitFor();
    assert.match(await dlg.innerText(), /Remove srv-lnx-01 from pls-arc\?/);
    await page.keyboard.press("Escape");
    await dlg.waitFor({ state: "detached" });
    const still = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.HybridCompute/machines/srv-lnx-01?api-version=2024-07-10`,
    );
    assert.equal(
      String(still.json.properties.privateLinkScopeResourceId).toLowerCase(),
      scopeId.toLowerCase(),
      "cancelled: still associated",
    );
    assert.deepEqual(problems, []);
  },
);

test("the endpoint list with the keyboard only: from the navigation to a row's endpoint", T, async () => {
  const { page, problems } = pb;
  await go(page, "/endpoints");
  const list = page.getByRole("table", { name: "Private endpoints" });
  await page.locator('p.count[data-complete="true"]').waitFor();
  await page.getByRole("link", { name: "Deploy a custom template" }).focus();
  await page.keyboard.press("Tab");
  assert.deepEqual(await focused(page), { tag: "input", label: "Search by name" });
  await page.keyboard.type("pe-arc");
  assert.deepEqual(await list.locator("tbody tr td:first-child").allInnerTexts(), ["pe-arc"]);
  for (const label of ["Connection state", "Location"]) {
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "select", label });
  }
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLSelectElement).value), "eastus");
  assert.deepEqual(await list.locator("tbody tr td:first-child").allInnerTexts(), ["pe-arc"]);
  await page.keyboard.press("Tab");
  assert.deepEqual(await focused(page), { tag: "a", label: "pe-arc" });
  await page.keyboard.press("Tab");
  assert.deepEqual(await focused(page), { tag: "a", label: "pls-arc" }, "then its scope");
  await page.keyboard.press("Shift+Tab");
  await assertAxeClean(page, "endpoint list, searched");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: /^pe-arc/ }).waitFor();
  assert.match(decodeURIComponent(page.url()), /#\/endpoint\/.*\/privateEndpoints\/pe-arc$/);
  assert.deepEqual(problems, []);
});
