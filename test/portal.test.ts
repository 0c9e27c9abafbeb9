// The portal in a real browser (Debian's Chromium through playwright-core) against a real server
// started with the reference topology: every flow through the UI, each result checked through the
// ARM API. The page must log no console error (other than the browser's own line for an ARM error
// response the page showed) and throw no page error; every control must have an accessible name;
// nothing may leave 127.0.0.1. Screenshots land in test-artifacts/portal/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, Browser, BrowserContext, Page } from "playwright-core";
import { startServer, TestServer, removeDataDir, ROOT } from "./helpers/server.js";
import { arm, raw } from "./helpers/arm.js";
import { CHROMIUM_ARGS } from "./helpers/portalBrowser.js";

const SHOTS = join(ROOT, "test-artifacts/portal");
const T = { timeout: 90_000 };

let srv: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let sub: string;
let rgRef: string;

/** Console errors and page errors (the test fails on any). */
const problems: string[] = [];
/** Requests the route guard aborted (anything not on 127.0.0.1 / localhost). */
const blocked: string[] = [];
/** Browser "Failed to load resource" lines, checked against the ARM error responses below. */
const failedLoads: string[] = [];
/** URL → body of every response with status >= 400 the page received. */
const errorResponses = new Map<string, { status: number; body: string }>();
const bodyReads: Promise<void>[] = [];

const hc = (name: string) => `${rgRef}/providers/Microsoft.HybridCompute/${name}`;
const V_HC = "api-version=2024-07-10";
const V_NET = "api-version=2025-05-01";
const V_DNS = "api-version=2020-06-01";

before(
  async () => {
    srv = await startServer({ args: ["--topology", "examples/reference.yaml"] });
    sub = srv.info.subscriptionId;
    rgRef = `/subscriptions/${sub}/resourceGroups/rg-arc-private-link`;
    assert.match(
      String(srv.info.portal),
      /^https:\/\/127\.0\.0\.1:\d+\/portal\/$/,
      "ready file names the portal",
    );
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 30_000,
    });
    // The server's certificate is issued by a per-run local CA that Chromium does not read
    // (NODE_EXTRA_CA_CERTS is Node's): ignore certificate errors in this browser context only.
    context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(15_000);
    await context.route("**/*", (route) => {
      const url = route.request().url();
      const host = new URL(url).hostname;
      if (host === "127.0.0.1" || host === "localhost") return route.continue();
      blocked.push(url);
      return route.abort("blockedbyclient");
    });
    page = await context.newPage();
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("dialog", (d) => {
      problems.push(`window dialog (${d.type()}): ${d.message()}`);
      void d.dismiss();
    });
    page.on("console", (m) => {
      if (m.type() !== "error") return;
      if (m.text().startsWith("Failed to load resource: the server responded with a status of"))
        failedLoads.push(m.location().url);
      else problems.push(`console: ${m.text()}`);
    });
    page.on("response", (r) => {
      if (r.status() < 400) return;
      bodyReads.push(
        r.text().then(
          (body) => void errorResponses.set(r.url(), { status: r.status(), body }),
          () => void errorResponses.set(r.url(), { status: r.status(), body: "" }),
        ),
      );
    });
  },
  { timeout: 90_000 },
);

after(async () => {
  await browser?.close().catch(() => undefined);
  if (srv) {
    await srv.stop();
    removeDataDir(srv.dataDir);
  }
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Every input, select, textarea and button on the page has an accessible name. */
async function assertNamed(view: string): Promise<void> {
  const unnamed = await page.evaluate(() => {
    const text = (el: Element | null) => (el?.textContent ?? "").replace(/\s+/g, " ").trim();
    return Array.from(document.querySelectorAll("input, select, textarea, button"))
      .filter((el) => (el as HTMLInputElement).type !== "hidden")
      .filter((el) => {
        const aria = el.getAttribute("aria-label")?.trim();
        const by = (el.getAttribute("aria-labelledby") ?? "")
          .split(/\s+/)
          .filter(Boolean)
          .map((id) => text(document.getElementById(id)))
          .join(" ");
        const labels = Array.from((el as HTMLInputElement).labels ?? [])
          .map((l) => text(l))
          .join(" ");
        const own = el.tagName === "BUTTON" ? text(el) : "";
        return !(aria || by || labels || own || el.getAttribute("title"));
      })
      .map((el) => el.outerHTML.slice(0, 160));
  });
  assert.deepEqual(unnamed, [], `controls without an accessible name on ${view}`);
}

/** The page's error box: readable, with the ARM code, never a stack or [object Object]. */
async function assertReadableError(code: string): Promise<string> {
  const box = page.getByRole("alert").filter({ hasText: code }).first();
  await box.waitFor();
  const t = await box.innerText();
  assert.ok(t.includes(code), `error shows the ARM code ${code}: ${t}`);
  assert.ok(!t.includes("[object Object]"), `no [object Object]: ${t}`);
  assert.ok(!/\n\s*at\s+\S+\s+\(/.test(t) && !/\.js:\d+:\d+/.test(t), `no stack trace: ${t}`);
  return t;
}

async function go(route: string): Promise<void> {
  await page.evaluate((r) => (location.hash = r), route);
}

/** A link of the portal's left navigation. */
function nav(name: string) {
  return page.getByRole("navigation", { name: "Portal" }).getByRole("link", { name, exact: true });
}

test(
  "serving: the page, its modules and config.json (no secrets); nothing outside the portal's folders",
  T,
  async () => {
    const page0 = await raw(srv.info, "GET", "/portal/");
    assert.equal(page0.status, 200);
    assert.match(String(page0.headers["content-type"]), /^text\/html/);
    assert.match(String(page0.headers["content-security-policy"]), /script-src 'self'/);
    assert.match(page0.text, /<script type="module" src="\/portal\/app\/main\.js">/);
    const js = await raw(srv.info, "GET", "/portal/app/main.js");
    assert.equal(js.status, 200);
    assert.match(String(js.headers["content-type"]), /^text\/javascript/);
    for (const f of [
      "api",
      "data",
      "dom",
      "main",
      "scopes",
      "createScope",
      "endpoints",
      "machines",
      "script",
      "topology",
      "checkView",
    ]) {
      const m = await raw(srv.info, "GET", `/portal/app/${f}.js`);
      assert.equal(m.status, 200, f);
      assert.doesNotMatch(
        m.text,
        /^(import|export)\b[^;]*?\bfrom\s+"(?!\.\/)/m,
        `${f}.js imports only sibling modules (no Node modules)`,
      );
    }
    const cfg = await raw(srv.info, "GET", "/portal/config.json");
    assert.equal(cfg.status, 200);
    assert.deepEqual(Object.keys(cfg.json).sort(), ["arm", "subscriptionId", "tenantId"]);
    assert.equal(cfg.json.tenantId, srv.info.tenantId);
    assert.equal(cfg.json.subscriptionId, srv.info.subscriptionId);
    assert.ok(!cfg.text.includes(srv.info.clientSecret) && !cfg.text.includes(srv.info.clientId));
    for (const p of [
      "/portal/app/..%2Fportal.js",
      "/portal/..%2F..%2Fpackage.json",
      "/portal/nothing.css",
      "/portal/app/api.ts",
    ]) {
      const r = await raw(srv.info, "GET", p);
      assert.equal(r.status, 404, `${p}: ${r.status} ${r.text.slice(0, 80)}`);
      assert.equal(r.json.error.code, "NotFound");
    }
    const post = await raw(srv.info, "POST", "/portal/", "x");
    assert.equal(post.status, 405);
    // Every other path is still ARM's: no portal side door.
    const noAuth = await raw(srv.info, "GET", `/subscriptions/${sub}/resourceGroups?api-version=2022-09-01`);
    assert.equal(noAuth.status, 401);
  },
);

test(
  "sign-in: a wrong secret is refused with Entra ID's code; the service principal signs in",
  T,
  async () => {
    await page.goto(String(srv.info.portal), { timeout: 30_000 });
    await page.getByLabel("Client (application) ID").fill(srv.info.clientId);
    await page.getByLabel("Client secret").fill("not-the-secret");
    await assertNamed("sign-in");
    await page.getByRole("button", { name: "Sign in" }).click();
    const t = await assertReadableError("invalid_client");
    assert.match(t, /AADSTS7000215/);
    await shot("sign-in-error");
    await page.getByLabel("Client secret").fill(srv.info.clientSecret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("svg.topology").waitFor({ timeout: 30_000 });
    // The token is kept for this tab's session only (a reload stays signed in): never the secret,
    // nothing in localStorage.
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify(Object.keys(sessionStorage)),
    );
    assert.equal(stored, '{}["arclink.portal.session"]');
    assert.ok(
      !(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).includes(srv.info.clientSecret),
    );
  },
);

test(
  "topology: drawn from the ARM lists, paths coloured as check decided, host click shows check and traces",
  T,
  async () => {
    await go("/topology");
    const svg = page.locator("svg.topology");
    await svg.waitFor();
    for (const name of [
      "onprem",
      "vnet-hub",
      "pe-arc",
      "pls-arc",
      "privatelink.his.arc.azure.com",
      "dc01",
      "fw-onprem",
    ]) {
      assert.ok((await svg.innerHTML()).includes(name), `diagram shows ${name}`);
    }
    assert.ok((await svg.locator("path.edge.vpn").count()) >= 1, "the VPN connection is drawn");
    assert.equal(await svg.locator("path.edge.dnslink").count(), 3, "three zone links to vnet-hub");
    const checked = await arm(
      srv.info,
      "POST",
      `/subscriptions/${sub}/providers/ArcLink.Lab/check?api-version=2025-01-01`,
      {},
    );
    assert.equal(checked.status, 200);
    for (const h of checked.json.value as any[]) {
      const want = new Set((h.endpoints as any[]).map((e) => e.verdict));
      const drawn = new Set(
        await svg
          .locator(`g.edge-group[data-host="${h.host}"]`)
          .evaluateAll((els) => els.map((e) => e.getAttribute("data-verdict"))),
      );
      assert.deepEqual([...drawn].sort(), [...want].sort(), `paths of ${h.host}`);
      for (const v of ["private", "public", "refused"]) {
        assert.equal(
          await svg.locator(`g.host[data-host="${h.host}"] circle.dot.${v}`).count(),
          (h.endpoints as any[]).filter((e) => e.verdict === v).length,
          `${v} dots of ${h.host}`,
        );
      }
    }
    assert.equal(
      await svg.locator('g.edge-group[data-host="srv-lnx-02"][data-verdict="refused"] path').count(),
      1,
    );
    const stroke = await svg
      .locator('g.edge-group[data-host="srv-lnx-01"][data-verdict="private"] path')
      .first()
      .evaluate((p) => getComputedStyle(p).stroke);
    assert.equal(stroke, "rgb(46, 125, 50)", "private paths are green");
    await assertNamed("topology");
    await shot("topology");

    // A click on the host in the diagram opens its check: the evaluator's table and traces.
    await svg.locator('g.host[data-host="srv-lnx-02"]').click();
    const panel = page.locator("#host-panel");
    await panel
      .getByRole("heading", { name: /srv-lnx-02/ })
      .first()
      .waitFor();
    const lnx02 = (checked.json.value as any[]).find((x) => x.host === "srv-lnx-02");
    const rows = panel.locator("table.check tbody tr");
    assert.equal(await rows.count(), lnx02.endpoints.length);
    for (const e of lnx02.endpoints) {
      const row = panel.locator(`table.check tbody tr[data-endpoint="${e.endpoint}"]`);
      const t = await row.innerText();
      assert.ok(t.includes(e.verdict) && t.includes(e.message), `row of ${e.endpoint}: ${t}`);
      if (e.reason) assert.ok(t.includes(e.reason));
    }
    const gbl = lnx02.endpoints[0];
    const box = panel.locator(`details.trace-box[data-endpoint="${gbl.endpoint}"]`);
    await box.locator("summary").click();
    const deepest = (steps: any[]): string => {
      const last = steps[steps.length - 1];
      return last.steps?.length ? deepest(last.steps) : last.what;
    };
    const traceText = await box.innerText();
    assert.ok(traceText.includes(gbl.trace[0].what), "the trace's first step");
    assert.ok(traceText.includes(deepest(gbl.trace)), "the trace's nested steps");
    await shot("topology-host-check");

    // Lint: listed and linked when the server has the evaluator; said so when it has not.
    const lintPath = `/subscriptions/${sub}/providers/ArcLink.Lab/lint?api-version=2025-01-01`;
    let lint = await arm(srv.info, "POST", lintPath, {});
    if (lint.status === 405) lint = await arm(srv.info, "GET", lintPath);
    const findings = page.locator("section.findings");
    if (lint.status === 200) {
      const n: number = (lint.json.findings ?? lint.json.value ?? []).length;
      if (n) {
        await findings.locator("li.finding").first().waitFor();
        assert.equal(await findings.locator("li.finding").count(), n);
        const first = (lint.json.findings ?? lint.json.value)[0];
        assert.ok((await findings.locator("li.finding").first().innerText()).includes(first.message));
      } else await findings.getByText("No findings").waitFor();
    } else {
      await findings.getByText("This server has no lint evaluator").waitFor();
    }
  },
);

test(
  "create a scope: an invalid name is refused on Review + create; then scope, endpoint, zones, links and zone group",
  T,
  async () => {
    // A virtual network for the endpoint, made through the API (the portal picks it from the list).
    const rgNet = `/subscriptions/${sub}/resourceGroups/rg-portal-net`;
    const rgMade = await arm(srv.info, "PUT", `${rgNet}?api-version=2022-09-01`, { location: "eastus" });
    assert.ok(rgMade.status === 200 || rgMade.status === 201, rgMade.text);
    const vnet = await arm(
      srv.info,
      "PUT",
      `${rgNet}/providers/Microsoft.Network/virtualNetworks/vnet-portal?${V_NET}`,
      {
        location: "eastus",
        properties: {
          addressSpace: { addressPrefixes: ["10.20.0.0/16"] },
          subnets: [
            {
              name: "snet-pe",
              properties: { addressPrefix: "10.20.1.0/24", privateEndpointNetworkPolicies: "Disabled" },
            },
          ],
        },
      },
    );
    assert.ok(vnet.status === 200 || vnet.status === 201, vnet.text);

    await nav("Azure Arc Private Link Scopes").click();
    await page.getByRole("link", { name: "+ Create" }).click();
    await page.getByRole("heading", { name: "Create an Azure Arc Private Link Scope" }).waitFor();
    await page.getByLabel("Resource group", { exact: true }).selectOption("rg-arc-private-link");
    await page.getByLabel("Name", { exact: true }).fill("bad name!");
    await page.getByLabel("Region").selectOption("eastus");
    await assertNamed("create scope: basics");
    await page.getByRole("tab", { name: "Review + create" }).click();
    await page.getByText("Validation passed").waitFor();
    await page.getByRole("button", { name: "Create", exact: true }).click();
    const err = await assertReadableError("InvalidResourceName");
    assert.match(err, /bad name!/);
    await shot("create-scope-error");
    const scopesInRg = await arm(srv.info, "GET", `${hc("privateLinkScopes")}?${V_HC}`);
    assert.deepEqual(
      (scopesInRg.json.value as any[]).map((s) => s.name),
      ["pls-arc"],
      "the refused scope was not stored",
    );

    // Now a good one: new resource group, public network access unchecked, endpoint with DNS zones.
    await page.getByRole("tab", { name: "Basics" }).click();
    await page.getByRole("button", { name: "Create new" }).click();
    await page.getByLabel("New resource group name").fill("rg-portal");
    await page.getByLabel("Name", { exact: true }).fill("pls-portal");
    const allow = page.getByLabel("Allow public network access");
    assert.equal(await allow.isChecked(), true, "the portal default is Enabled");
    await allow.uncheck();
    await page.getByRole("button", { name: "Next: Private endpoint" }).click();
    await page.getByRole("button", { name: "+ Create", exact: true }).click();
    const form = page.getByRole("region", { name: "Create private endpoint" });
    await form.getByLabel("Name", { exact: true }).fill("pe-portal");
    await form.getByLabel("Virtual network").selectOption({ label: "vnet-portal (rg-portal-net, eastus)" });
    await form.getByLabel("Subnet").selectOption({ label: "snet-pe (10.20.1.0/24)" });
    assert.equal(await form.getByLabel("Yes").isChecked(), true);
    await assertNamed("create scope: private endpoint");
    await shot("create-scope-endpoint");
    await form.getByRole("button", { name: "OK" }).click();
    await page.getByRole("table", { name: "Private endpoints to create" }).getByText("pe-portal").waitFor();
    await page.getByRole("tab", { name: "Review + create" }).click();
    await page.getByText("Validation passed").waitFor();
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByText("Your deployment is complete").waitFor({ timeout: 30_000 });
    await shot("create-scope-done");

    const rg = `/subscriptions/${sub}/resourceGroups/rg-portal`;
    const scope = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-portal?${V_HC}`,
    );
    assert.equal(scope.status, 200, scope.text);
    assert.equal(scope.json.location, "eastus");
    assert.equal(scope.json.properties.publicNetworkAccess, "Disabled");
    const pe = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.Network/privateEndpoints/pe-portal?${V_NET}`,
    );
    assert.equal(pe.status, 200, pe.text);
    assert.equal(pe.json.properties.subnet.id.toLowerCase(), `${vnet.json.id}/subnets/snet-pe`.toLowerCase());
    const conn = pe.json.properties.privateLinkServiceConnections[0].properties;
    assert.equal(conn.privateLinkServiceId.toLowerCase(), scope.json.id.toLowerCase());
    assert.deepEqual(conn.groupIds, ["hybridcompute"]);
    assert.equal(conn.privateLinkServiceConnectionState.status, "Approved");
    const zones = [
      "privatelink.his.arc.azure.com",
      "privatelink.guestconfiguration.azure.com",
      "privatelink.dp.kubernetesconfiguration.azure.com",
    ];
    const zoneIds: string[] = [];
    for (const z of zones) {
      const zone = await arm(
        srv.info,
        "GET",
        `${rg}/providers/Microsoft.Network/privateDnsZones/${z}?${V_DNS}`,
      );
      assert.equal(zone.status, 200, `${z}: ${zone.text}`);
      zoneIds.push(zone.json.id.toLowerCase());
      const links = await arm(
        srv.info,
        "GET",
        `${rg}/providers/Microsoft.Network/privateDnsZones/${z}/virtualNetworkLinks?${V_DNS}`,
      );
      assert.deepEqual(
        (links.json.value as any[]).map((l) => l.properties.virtualNetwork.id.toLowerCase()),
        [vnet.json.id.toLowerCase()],
        `${z} is linked to vnet-portal`,
      );
    }
    const group = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.Network/privateEndpoints/pe-portal/privateDnsZoneGroups/default?${V_NET}`,
    );
    assert.equal(group.status, 200, group.text);
    assert.deepEqual(
      (group.json.properties.privateDnsZoneConfigs as any[])
        .map((c) => c.properties.privateDnsZoneId.toLowerCase())
        .sort(),
      [...zoneIds].sort(),
    );
    const gbl = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.Network/privateDnsZones/privatelink.his.arc.azure.com/A/gbl?${V_DNS}`,
    );
    assert.equal(gbl.status, 200, gbl.text);
    const gblIp = (pe.json.properties.customDnsConfigs as any[]).find(
      (c) => c.fqdn === "gbl.his.arc.azure.com",
    ).ipAddresses[0];
    assert.equal(gbl.json.properties.aRecords[0].ipv4Address, gblIp);
  },
);

test(
  "private endpoint → DNS configuration: the FQDN ↔ address table the manual DNS steps copy from",
  T,
  async () => {
    await nav("Private endpoints").click();
    await page.getByRole("link", { name: "pe-portal" }).click();
    await page.getByRole("link", { name: "DNS configuration" }).click();
    const table = page.getByRole("table", { name: "DNS configuration" });
    await table.waitFor();
    const pe = await arm(
      srv.info,
      "GET",
      `/subscriptions/${sub}/resourceGroups/rg-portal/providers/Microsoft.Network/privateEndpoints/pe-portal?${V_NET}`,
    );
    const want = (pe.json.properties.customDnsConfigs as any[]).map((c) => [
      c.fqdn,
      c.ipAddresses.join(", "),
    ]);
    assert.ok(want.length >= 4);
    const got = await table
      .locator("tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => (td.textContent ?? "").trim())),
      );
    assert.deepEqual(got, want);
    const hosts = await page.getByLabel("Hosts file lines").inputValue();
    assert.deepEqual(
      hosts.split("\n"),
      want.map(([fqdn, ips]) => `${ips.split(", ")[0]} ${fqdn}`),
    );
    await page
      .getByRole("table", { name: "Records in privatelink.his.arc.azure.com" })
      .getByText("gbl.privatelink.his.arc.azure.com")
      .waitFor();
    await assertNamed("endpoint DNS configuration");
    await shot("endpoint-dns-configuration");
  },
);

test(
  "scope → Azure Arc resources → + Add: same subscription and region only; PATCH; propagating until accepted",
  T,
  async () => {
    const win = `${hc("machines")}/srv-win-01`;
    // Take srv-win-01 out of the scope, and add a machine in another region (never offered).
    const off = await arm(srv.info, "PATCH", `${win}?${V_HC}`, {
      properties: { privateLinkScopeResourceId: null },
    });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.properties.privateLinkScopeResourceId, undefined);
    const west = await arm(srv.info, "PUT", `${hc("machines")}/srv-west?${V_HC}`, {
      location: "westus",
      properties: {},
    });
    assert.ok(west.status === 200 || west.status === 201, west.text);

    await nav("Azure Arc Private Link Scopes").click();
    await page.getByRole("link", { name: "pls-arc" }).click();
    await page.getByRole("link", { name: "Azure Arc resources" }).click();
    await page.getByRole("table", { name: "Azure Arc resources in this scope" }).waitFor();
    await page.getByRole("button", { name: "+ Add" }).click();
    const offered = page.getByRole("table", { name: "Servers that can be added" });
    await offered.waitFor();
    const names = await offered.locator("tbody tr td:nth-child(2)").allInnerTexts();
    const all = await arm(
      srv.info,
      "GET",
      `/subscriptions/${sub}/providers/Microsoft.HybridCompute/machines?${V_HC}`,
    );
    const scopeId = `${rgRef}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`.toLowerCase();
    const want = (all.json.value as any[])
      .filter(
        (m) =>
          m.location === "eastus" &&
          String(m.properties.privateLinkScopeResourceId ?? "").toLowerCase() !== scopeId,
      )
      .map((m) => m.name)
      .sort();
    assert.deepEqual([...names].sort(), want);
    assert.ok(names.includes("srv-win-01") && !names.includes("srv-west"));
    await assertNamed("add Azure Arc resources");
    await shot("scope-add-resources");
    await offered.getByRole("checkbox", { name: "Add srv-win-01" }).check();
    await page.getByRole("button", { name: "Select", exact: true }).click();
    // The association is reviewed first (what-if), then confirmed.
    const assoc = page.getByRole("dialog", { name: "Associate 1 machine with pls-arc?" });
    await assoc.getByRole("region", { name: "What-if review" }).locator("p.summary").waitFor();
    await assoc.getByRole("button", { name: "Associate" }).click();
    await page.getByText("Associated srv-win-01 with pls-arc").waitFor();

    const m = await arm(srv.info, "GET", `${win}?${V_HC}`);
    assert.equal(String(m.json.properties.privateLinkScopeResourceId).toLowerCase(), scopeId);
    const state = page.locator('span.assoc[data-machine="srv-win-01"]');
    await state.waitFor();
    assert.equal(await state.getAttribute("data-state"), "propagating");
    const api = await arm(
      srv.info,
      "POST",
      `/subscriptions/${sub}/providers/ArcLink.Lab/check?api-version=2025-01-01`,
      { host: "srv-win-01" },
    );
    const waiting = (api.json.value[0].endpoints as any[]).find(
      (e) => e.reason === "AssociationNotYetPropagated",
    );
    assert.ok(waiting, "check refuses with AssociationNotYetPropagated");
    assert.equal(await state.innerText(), `Propagating — ${waiting.message}`);
    assert.equal(
      await page.locator('span.assoc[data-machine="srv-lnx-01"]').getAttribute("data-state"),
      "accepted",
    );
    await shot("scope-resources-propagating");

    const adv = await arm(srv.info, "POST", "/providers/ArcLink.Lab/clock/advance?api-version=2025-01-01", {
      milliseconds: 16 * 60_000,
    });
    assert.equal(adv.status, 200, adv.text);
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.locator('span.assoc[data-machine="srv-win-01"][data-state="accepted"]').waitFor();
    assert.match(await page.locator('span.assoc[data-machine="srv-win-01"]').innerText(), /^Accepted/);
    await shot("scope-resources-accepted");
  },
);

test("network isolation: the Allow public network access toggle PUTs the scope", T, async () => {
  await nav("Azure Arc Private Link Scopes").click();
  await page.getByRole("link", { name: "pls-portal" }).click();
  await page.getByRole("link", { name: "Network isolation" }).click();
  const box = page.getByLabel("Allow public network access");
  assert.equal(await box.isChecked(), false);
  await box.check();
  await page.getByRole("button", { name: "Save" }).click();
  const dlg = page.getByRole("dialog", { name: "Save public network access: Enabled?" });
  await dlg.getByRole("region", { name: "What-if review" }).locator("p.summary").waitFor();
  await dlg.getByRole("button", { name: "Save" }).click();
  await page.getByText("Saved: public network access is Enabled").waitFor();
  const s = await arm(
    srv.info,
    "GET",
    `/subscriptions/${sub}/resourceGroups/rg-portal/providers/Microsoft.HybridCompute/privateLinkScopes/pls-portal?${V_HC}`,
  );
  assert.equal(s.json.properties.publicNetworkAccess, "Enabled");
  await assertNamed("network isolation");
  await shot("scope-network-isolation");
});

test("private endpoint connections: approve one pending connection, reject another", T, async () => {
  const rg = `/subscriptions/${sub}/resourceGroups/rg-portal`;
  const scopeId = `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-portal`;
  const subnet = `/subscriptions/${sub}/resourceGroups/rg-portal-net/providers/Microsoft.Network/virtualNetworks/vnet-portal/subnets/snet-pe`;
  for (const n of ["pe-manual-a", "pe-manual-b"]) {
    const r = await arm(srv.info, "PUT", `${rg}/providers/Microsoft.Network/privateEndpoints/${n}?${V_NET}`, {
      location: "eastus",
      properties: {
        subnet: { id: subnet },
        manualPrivateLinkServiceConnections: [
          {
            name: n,
            properties: {
              privateLinkServiceId: scopeId,
              groupIds: ["hybridcompute"],
              requestMessage: "please",
            },
          },
        ],
      },
    });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  }
  await page.getByRole("link", { name: "Private endpoint connections" }).click();
  const table = page.getByRole("table", { name: "Private endpoint connections" });
  const rowA = table.locator("tbody tr", { hasText: "pe-manual-a" });
  await rowA.waitFor();
  assert.match(await rowA.innerText(), /Pending/);
  await rowA.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Approve" }).click();
  const dlg = page.getByRole("dialog", { name: "Approve connection" });
  await dlg.getByLabel("Description").fill("approved for the lab");
  await assertNamed("approve dialog");
  await shot("connections-approve-dialog");
  await dlg.getByRole("button", { name: "Approve" }).click();
  await page.getByText(/^Approved: /).waitFor();
  const rowB = table.locator("tbody tr", { hasText: "pe-manual-b" });
  await rowB.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Reject" }).click();
  await page
    .getByRole("dialog", { name: "Reject connection" })
    .getByRole("button", { name: "Reject" })
    .click();
  await page.getByText(/^Rejected: /).waitFor();
  assert.match(
    await table.locator("tbody tr", { hasText: "pe-manual-a" }).innerText(),
    /Approved\s+approved for the lab/,
  );
  assert.match(await table.locator("tbody tr", { hasText: "pe-manual-b" }).innerText(), /Rejected/);
  await assertNamed("private endpoint connections");
  await shot("connections-decided");

  for (const [n, status] of [
    ["pe-manual-a", "Approved"],
    ["pe-manual-b", "Rejected"],
  ]) {
    const pe = await arm(srv.info, "GET", `${rg}/providers/Microsoft.Network/privateEndpoints/${n}?${V_NET}`);
    assert.equal(
      pe.json.properties.manualPrivateLinkServiceConnections[0].properties.privateLinkServiceConnectionState
        .status,
      status,
      n,
    );
  }
  const conns = await arm(srv.info, "GET", `${scopeId}/privateEndpointConnections?${V_HC}`);
  const a = (conns.json.value as any[]).find((c) => c.properties.privateEndpoint.id.endsWith("/pe-manual-a"));
  assert.equal(a.properties.privateLinkServiceConnectionState.description, "approved for the lab");
});

test(
  "Machines – Azure Arc → Add → Generate script: basics, service principal, tags, download; API refusals shown",
  T,
  async () => {
    await nav("Machines – Azure Arc").click();
    await page.getByRole("table", { name: "Machines" }).waitFor();
    await shot("machines");
    await page.getByRole("link", { name: "+ Add/Create" }).click();
    await page.getByRole("link", { name: "Generate script (multiple servers)" }).click();
    await page.getByRole("tab", { name: "Authentication" }).waitFor();
    await page.getByLabel("Resource group").selectOption("rg-arc-private-link");
    await page.getByLabel("Region", { exact: true }).selectOption("westus");
    await page.getByLabel("Operating system").selectOption("linux");
    await page.getByLabel("Private endpoint", { exact: true }).check();
    const scopeId = `${rgRef}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc`;
    await page.getByLabel("Private Link Scope").selectOption(scopeId);
    await assertNamed("generate script: basics");
    await shot("script-basics");
    await page.getByRole("button", { name: "Next: Authentication" }).click();
    await page.getByLabel("Service principal client (application) ID").fill(srv.info.clientId);
    await page.getByLabel("Service principal secret").fill("sp-secret-value");
    await page.getByRole("button", { name: "Next: Tags" }).click();
    await page.getByLabel("City").fill("Seattle");
    await page.getByRole("button", { name: "+ Add tag" }).click();
    await page.getByLabel("Tag name").fill("env");
    await page.getByLabel("Tag value").fill("lab");
    await assertNamed("generate script: tags");
    await page.getByRole("button", { name: "Next: Download and run script" }).click();

    const probe = await arm(
      srv.info,
      "POST",
      `/subscriptions/${sub}/providers/ArcLink.Lab/onboardingScripts?api-version=2025-01-01`,
      {},
    );
    const routeExists = !(probe.status === 404 || probe.json?.error?.code === "InvalidResourceType");
    await page.getByRole("button", { name: "Generate script" }).click();
    if (!routeExists) {
      await assertReadableError(probe.json.error.code);
      await shot("script-download");
      return;
    }
    // westus with an eastus scope: the API refuses, and the page says why.
    await assertReadableError("PrivateLinkScopeLocationMismatch");
    await shot("script-error");
    await page.getByRole("button", { name: "Previous" }).click();
    await page.getByRole("button", { name: "Previous" }).click();
    await page.getByRole("button", { name: "Previous" }).click();
    await page.getByLabel("Region", { exact: true }).selectOption("eastus");
    await page.getByRole("tab", { name: "Download and run script" }).click();
    await page.getByRole("button", { name: "Generate script" }).click();
    const script = page.getByLabel("Onboarding script");
    await script.waitFor();
    const text = await script.inputValue();
    assert.ok(
      text.includes(scopeId) || text.toLowerCase().includes(scopeId.toLowerCase()),
      "the script names the scope",
    );
    assert.ok(text.includes("Seattle") && text.includes("env"), "the script carries the tags");
    assert.ok(text.includes(srv.info.clientId), "the script uses the service principal");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: /^Download / }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "OnboardingScript.sh");
    const saved = await download.path();
    assert.equal(readFileSync(saved, "utf8"), text);
    await assertNamed("generate script: download");
    await shot("script-download");
  },
);

test("deletion asks inside the page; Cancel keeps the scope, Delete removes it", T, async () => {
  const scopePath = `/subscriptions/${sub}/resourceGroups/rg-portal/providers/Microsoft.HybridCompute/privateLinkScopes/pls-portal?${V_HC}`;
  await nav("Azure Arc Private Link Scopes").click();
  await page.getByRole("link", { name: "pls-portal" }).click();
  await page.getByRole("link", { name: "Overview" }).click();
  await page.getByRole("button", { name: "Delete" }).click();
  const dlg = page.getByRole("dialog", { name: "Delete pls-portal?" });
  await dlg.waitFor();
  await assertNamed("delete dialog");
  await shot("delete-confirm");
  await dlg.getByRole("button", { name: "Cancel" }).click();
  await dlg.waitFor({ state: "detached" });
  assert.equal((await arm(srv.info, "GET", scopePath)).status, 200, "Cancel keeps the scope");
  await page.getByRole("button", { name: "Delete" }).click();
  await page
    .getByRole("dialog", { name: "Delete pls-portal?" })
    .getByRole("button", { name: "Delete" })
    .click();
  await page.getByText("Deleted pls-portal.").waitFor();
  assert.equal((await arm(srv.info, "GET", scopePath)).status, 404, "Delete removes the scope");
  const rows = await page
    .getByRole("table", { name: "Azure Arc Private Link Scopes" })
    .locator("tbody tr")
    .allInnerTexts();
  assert.ok(!rows.some((r) => r.includes("pls-portal")));
  await shot("scopes-after-delete");
});

test(
  "a route whose id is not an ARM resource id is refused in the page: nothing is requested, no token leaves",
  T,
  async () => {
    const problemsBefore = problems.length;
    const requests: string[] = [];
    const onRequest = (r: { url(): string }) => void requests.push(r.url());
    page.on("request", onRequest);
    try {
      for (const [kind, id] of [
        [
          "scope",
          "//evil.example/subscriptions/x/resourceGroups/g/providers/Microsoft.HybridCompute/privateLinkScopes/p",
        ],
        ["endpoint", "//evil.example"],
        ["scope", "/\\evil.example/x"],
        ["scope", "https://evil.example/subscriptions/x"],
        [
          "endpoint",
          `/subscriptions/${sub}/resourceGroups/g/providers/Microsoft.Network/privateEndpoints/p/../../../../x`,
        ],
      ]) {
        requests.length = 0;
        await go(`/${kind}/${encodeURIComponent(id)}`);
        const text = await assertReadableError("InvalidResourceId");
        assert.ok(text.includes("is not an Azure resource id"), text);
        assert.deepEqual(
          requests.filter((u) => !u.includes("/portal/")),
          [],
          `nothing was requested for ${id}`,
        );
      }
    } finally {
      page.off("request", onRequest);
    }
    assert.deepEqual(blocked, [], "no request left for another host");
    assert.deepEqual(problems.slice(problemsBefore), [], "no console errors (a CSP refusal would be one)");
    await shot("route-not-an-arm-id");
    // A real id still opens its page.
    await go(`/scope/${encodeURIComponent(hc("privateLinkScopes/pls-arc"))}`);
    await page
      .getByRole("heading", { name: /pls-arc/ })
      .first()
      .waitFor();
  },
);

test(
  "no console or page errors, no window dialogs, nothing outside 127.0.0.1; failed loads were ARM errors the page showed",
  T,
  async () => {
    await Promise.all(bodyReads);
    assert.deepEqual(problems, []);
    assert.deepEqual(blocked, []);
    for (const url of failedLoads) {
      const r = errorResponses.get(url);
      assert.ok(r, `a failed load with no response: ${url}`);
      assert.ok(r.status < 500, `server error ${r.status} for ${url}: ${r.body}`);
      const body = JSON.parse(r.body);
      // An ARM error ({error: {code, message}}) or Entra ID's ({error, error_description}).
      const code = typeof body.error === "string" ? body.error : body.error?.code;
      assert.equal(typeof code, "string", `an error body with a code for ${url}: ${r.body}`);
    }
  },
);
