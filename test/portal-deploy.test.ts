// "Deploy a custom template" in the portal (Chromium through playwright-core, against a real server
// started with the reference topology): a template's parameters become the form, Review + create
// shows the deployment what-if's resource changes and the machines it changes, Create runs the
// deployment and opens its result page. A template that cannot be read says where; one that
// Resource Manager refuses cannot be created; a deployment that failed shows its inner errors; a
// second scope in the hub VNet names the machines it cuts off and waits for the confirmation.
// Each answer is checked against the API; every page with axe-core.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startServer, TestServer } from "./helpers/server.js";
import { arm, armDeployment, raw } from "./helpers/arm.js";
import {
  assertAxeClean,
  assertNoOverflow,
  closePortalAndServer,
  go,
  openPortal,
  PortalBrowser,
  signIn,
} from "./helpers/portalBrowser.js";
import type { Page } from "playwright-core";

const T = { timeout: 180_000 };
const RES = "api-version=2022-09-01";
const LAB = "api-version=2025-01-01";
let srv: TestServer;
let pb: PortalBrowser;
let sub: string;
let rg: string;

const fixture = (name: string) => readFileSync(join(ROOT, "test/fixtures/templates", name), "utf8");

/** A private DNS zone and its link to a VNet, with one parameter of each kind the form draws. */
const ZONE_TEMPLATE = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    // The zone to create.
    "zoneName": { "type": "string", "defaultValue": "contoso.internal", "minLength": 3,
                  "metadata": { "description": "The private DNS zone's name." } },
    "vnetName": { "type": "string", "allowedValues": ["vnet-hub", "vnet-other"], "defaultValue": "vnet-hub" },
    "ttl": { "type": "int", "defaultValue": 3600, "minValue": 60, "maxValue": 86400 },
    "registration": { "type": "bool", "defaultValue": false },
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
    "adminNote": { "type": "securestring" }
  },
  "resources": [
    {
      "type": "Microsoft.Network/privateDnsZones",
      "apiVersion": "2020-06-01",
      "name": "[parameters('zoneName')]",
      "location": "global"
    },
    {
      "type": "Microsoft.Network/privateDnsZones/A",
      "apiVersion": "2020-06-01",
      "name": "[concat(parameters('zoneName'), '/app')]",
      "dependsOn": ["[resourceId('Microsoft.Network/privateDnsZones', parameters('zoneName'))]"],
      "properties": { "ttl": "[parameters('ttl')]", "aRecords": [{ "ipv4Address": "10.10.9.9" }] }
    },
    {
      "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
      "apiVersion": "2020-06-01",
      "name": "[concat(parameters('zoneName'), '/', parameters('vnetName'), '-link')]",
      "location": "global",
      "dependsOn": ["[resourceId('Microsoft.Network/privateDnsZones', parameters('zoneName'))]"],
      "properties": {
        "registrationEnabled": "[parameters('registration')]",
        "virtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName'))]" }
      }
    }
  ],
  "outputs": {
    "zoneId": { "type": "string", "value": "[resourceId('Microsoft.Network/privateDnsZones', parameters('zoneName'))]" },
    "where": { "type": "string", "value": "[parameters('location')]" }
  }
}`;

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

/** Opens the page and puts `text` in the template box as a paste does. */
async function pasteTemplate(page: Page, text: string): Promise<void> {
  await go(page, "/no-such-page"); // a fresh page, whichever step the last one was on
  await page.getByRole("heading", { name: "Not found" }).waitFor();
  await go(page, "/deploy");
  const box = page.getByLabel("Template (JSON)");
  await box.waitFor();
  await box.fill("");
  await box.focus();
  await page.keyboard.insertText(text);
}

/** Moves a focused select with the arrow keys until it holds `value`. */
async function arrowTo(page: Page, value: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if ((await page.evaluate(() => (document.activeElement as HTMLSelectElement).value)) === value) return;
    await page.keyboard.press("ArrowDown");
  }
  assert.fail(`the focused select never reached '${value}'`);
}

test("the page's modules are served; the template reader is the deployments' own module", T, async () => {
  for (const f of [
    "deployTemplate",
    "deployment",
    "templateParameters",
    "resourceChanges",
    "createZone",
    "templateText",
    "jsonc",
  ]) {
    const m = await raw(srv.info, "GET", `/portal/app/${f}.js`);
    assert.equal(m.status, 200, f);
    assert.doesNotMatch(
      m.text,
      /^(import|export)\b[^;]*?\bfrom\s+"(?!\.\/)/m,
      `${f}.js imports only siblings`,
    );
  }
  const served = await raw(srv.info, "GET", "/portal/app/jsonc.js");
  const own = readFileSync(join(ROOT, "dist/src/templates/jsonc.js"), "utf8");
  assert.equal(served.text, own, "the browser reads templates with src/templates/jsonc.ts");
});

test(
  "a zone and its link: the form from the template's parameters, what-if's changes, Create, the result page",
  T,
  async () => {
    const { page, problems, blocked } = pb;
    await page.getByRole("link", { name: "Deploy a custom template" }).click();
    await page.getByRole("heading", { name: /^Custom deployment/ }).waitFor();
    await assertAxeClean(page, "custom deployment: empty template");
    await pasteTemplate(page, ZONE_TEMPLATE);
    await page.getByText("Template read: 6 parameters, 3 resources, 2 outputs.").waitFor();
    await page.getByRole("button", { name: "Next: Basics" }).click();

    // The form, as the template declares it.
    const basics = page.getByRole("tabpanel", { name: "Basics" });
    const zoneName = basics.getByLabel("zoneName", { exact: true });
    assert.equal(await zoneName.inputValue(), "contoso.internal", "a literal default is filled in");
    assert.equal(await zoneName.getAttribute("minlength"), "3");
    const vnet = basics.getByLabel("vnetName", { exact: true });
    assert.equal(await vnet.evaluate((e) => e.tagName), "SELECT", "allowedValues is a select");
    assert.deepEqual(
      await vnet.locator("option").allInnerTexts(),
      ["vnet-hub", "vnet-other"],
      "the allowed values",
    );
    const ttl = basics.getByLabel("ttl", { exact: true });
    assert.deepEqual(await ttl.evaluate((e: HTMLInputElement) => [e.type, e.min, e.max, e.value]), [
      "number",
      "60",
      "86400",
      "3600",
    ]);
    const reg = basics.getByLabel("registration", { exact: true });
    assert.equal(await reg.evaluate((e: HTMLSelectElement) => `${e.tagName} ${e.value}`), "SELECT false");
    const loc = basics.getByLabel("location", { exact: true });
    assert.equal(await loc.inputValue(), "", "an expression default is left to the deployment");
    assert.match(String(await loc.getAttribute("placeholder")), /\[resourceGroup\(\)\.location\]/);
    const note = basics.getByLabel("adminNote", { exact: true });
    assert.equal(await note.getAttribute("type"), "password", "a securestring is a password box");
    assert.equal(await note.evaluate((e: HTMLInputElement) => e.required), true);
    await basics.getByLabel("Resource group").selectOption("rg-arc-private-link");
    assert.equal(await basics.getByLabel("Region").inputValue(), "eastus");
    await assertAxeClean(page, "custom deployment: basics");

    // Out of range and missing values are named before anything is sent.
    await ttl.fill("5");
    await page.getByRole("tab", { name: "Review + create" }).click();
    const review = page.getByRole("tabpanel", { name: "Review + create" });
    await review.getByText("Validation failed. Fix these and come back:").waitFor();
    assert.match(await review.innerText(), /Parameter 'ttl' is 5, below the template's minimum 60/);
    assert.match(await review.innerText(), /Parameter 'adminNote' needs a value/);
    await page.getByRole("tab", { name: "Basics" }).click();
    // A parameters file fills the form; one naming a parameter the template lacks is refused whole.
    const paramsFile = basics.getByLabel("Load a parameters file");
    const file = (parameters: object) => ({
      name: "zone.parameters.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify({ contentVersion: "1.0.0.0", parameters })),
    });
    await paramsFile.setInputFiles(file({ ttl: { value: 600 }, nope: { value: 1 } }));
    await basics.getByText(/The template parameters 'nope' in the parameters file are not valid/).waitFor();
    assert.equal(await ttl.inputValue(), "5", "nothing was filled from a refused file");
    await paramsFile.setInputFiles(file({ ttl: { value: 600 }, adminNote: { value: "s3cret-value" } }));
    await basics.getByText("Loaded 2 value(s) from zone.parameters.json.").waitFor();
    assert.equal(await ttl.inputValue(), "600");
    assert.equal(await note.inputValue(), "s3cret-value");
    await page.getByRole("button", { name: "Next: Review + create" }).click();

    // Review + create: Azure's resource changes, and no machine changes.
    const changes = review.getByRole("table", { name: "Resource changes" });
    await changes.waitFor();
    const rows = await changes
      .locator("tbody tr")
      .evaluateAll((t) =>
        t.map((x) => [
          x.getAttribute("data-change-type"),
          x.getAttribute("data-resource-id")?.split("/").slice(-2).join("/"),
        ]),
      );
    assert.deepEqual(rows, [
      ["Create", "privateDnsZones/contoso.internal"],
      ["Create", "A/app"],
      ["Create", "virtualNetworkLinks/vnet-hub-link"],
    ]);
    // The same what-if through the API.
    const wi = await arm(
      srv.info,
      "POST",
      `${rg}/providers/Microsoft.Resources/deployments/probe/whatIf?${RES}`,
      `{"properties":{"mode":"Incremental","template":${ZONE_TEMPLATE},"parameters":{"ttl":{"value":600},"adminNote":{"value":"x"}}}}`,
    );
    assert.equal(wi.status, 200, wi.text);
    const creates = (wi.json.properties.changes as any[]).filter((c) => c.changeType === "Create").length;
    assert.equal(creates, 3);
    assert.match(
      await review.locator("section.resource-changes p.summary").innerText(),
      new RegExp(`^Resource changes: 3 to create`),
    );
    await review.getByText("No machine's verdict changes and no lint finding appears or goes.").waitFor();
    const secretShown = await review.innerText();
    assert.ok(!secretShown.includes("s3cret-value"), "the secure value is masked in the review");
    const create = review.getByRole("button", { name: "Create", exact: true });
    await page.waitForFunction(
      () =>
        !(
          Array.from(document.querySelectorAll("button")).find((b) => b.textContent === "Create") as
            HTMLButtonElement | undefined
        )?.disabled,
    );
    await assertAxeClean(page, "custom deployment: review + create");
    await assertNoOverflow(page, "custom deployment: review + create at 1440 px");
    await create.click();

    // The result page.
    await page.getByText(/Your deployment is complete: Microsoft\.Template-\d{14} succeeded\./).waitFor({
      timeout: 60_000,
    });
    const url = decodeURIComponent(page.url());
    const id = /#\/deployment\/(.*)$/.exec(url)![1];
    assert.match(id, /\/resourceGroups\/rg-arc-private-link\/providers\/Microsoft\.Resources\/deployments\//);
    const rec = await arm(srv.info, "GET", `${id}?${RES}`);
    assert.equal(rec.status, 200, rec.text);
    assert.equal(rec.json.properties.provisioningState, "Succeeded");
    const ops = page.getByRole("table", { name: "Deployment operations" });
    await ops.waitFor();
    const opRows = await ops.locator("tbody tr").allInnerTexts();
    const apiOps = await arm(srv.info, "GET", `${id}/operations?${RES}`);
    assert.equal(opRows.length, apiOps.json.value.length);
    assert.equal(opRows.length, 3);
    for (const r of opRows) assert.match(r, /Succeeded/);
    assert.ok(opRows.some((r) => /contoso\.internal/.test(r)));
    await assertAxeClean(page, "deployment result: overview");
    await assertNoOverflow(page, "deployment result at 1440 px");
    await page.setViewportSize({ width: 900, height: 900 });
    await assertNoOverflow(page, "deployment result at 900 px");
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole("link", { name: "Outputs" }).click();
    const outputs = page.getByRole("table", { name: "Outputs" });
    await outputs.waitFor();
    const outText = await outputs.innerText();
    assert.ok(outText.includes(rec.json.properties.outputs.zoneId.value), outText);
    assert.match(outText, /where\s+String\s+eastus/i);
    await page.getByRole("link", { name: "Inputs" }).click();
    const inputs = await page.getByRole("table", { name: "Inputs" }).innerText();
    assert.ok(!inputs.includes("s3cret-value"), "the secure input is masked");
    assert.match(inputs, /ttl\s+Int\s+600/);

    // The resources are there, through the API and on the zones list.
    const zone = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.Network/privateDnsZones/contoso.internal?api-version=2020-06-01`,
    );
    assert.equal(zone.status, 200, zone.text);
    assert.equal(zone.json.properties.numberOfVirtualNetworkLinks, 1);
    const rec2 = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.Network/privateDnsZones/contoso.internal/A/app?api-version=2020-06-01`,
    );
    assert.equal(rec2.json.properties.ttl, 600);
    await page.getByRole("link", { name: "Private DNS zones" }).click();
    await page.locator('p.count[data-complete="true"]').waitFor();
    await page.locator('tr[data-zone="contoso.internal"]').waitFor();

    // The same template again with another TTL: the record is a Modify, with its property delta.
    await pasteTemplate(page, ZONE_TEMPLATE);
    await page.getByRole("tab", { name: "Basics" }).click();
    await page.getByLabel("Resource group").selectOption("rg-arc-private-link");
    await page.getByLabel("ttl", { exact: true }).fill("300");
    await page.getByLabel("adminNote", { exact: true }).fill("x");
    await page.getByRole("tab", { name: "Review + create" }).click();
    const again = await arm(
      srv.info,
      "POST",
      `${rg}/providers/Microsoft.Resources/deployments/probe/whatIf?${RES}`,
      `{"properties":{"mode":"Incremental","template":${ZONE_TEMPLATE},"parameters":{"ttl":{"value":300},"adminNote":{"value":"x"}}}}`,
    );
    const modify = (again.json.properties.changes as any[]).filter((c) => c.changeType === "Modify");
    assert.deepEqual(
      modify.map((c) => c.resourceId.split("/").slice(-2).join("/")),
      ["A/app"],
    );
    const row = page.locator('tr[data-change-type="Modify"]');
    await row.waitFor();
    assert.equal(await row.getAttribute("data-resource-id"), modify[0].resourceId);
    const paths = await row
      .locator("li[data-path]")
      .evaluateAll((l) => l.map((x) => x.getAttribute("data-path")));
    assert.deepEqual(
      paths,
      (modify[0].delta as any[]).map((d) => d.path),
    );
    assert.match(await row.locator('li[data-path="properties.ttl"]').innerText(), /600 → 300/);
    assert.deepEqual(problems, []);
    assert.deepEqual(blocked, []);
  },
);

test(
  "a template that cannot be read says where; one Resource Manager refuses cannot be created",
  T,
  async () => {
    const { page } = pb;
    // A missing comma on line 4: the reader stops there, as the deployment would.
    const broken = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0"
  "resources": []
}`;
    await pasteTemplate(page, broken);
    const err = page.locator(".template-status .error");
    await err.waitFor();
    const text = await err.innerText();
    assert.match(text, /InvalidTemplate/);
    assert.match(
      text,
      /Deployment template parse failed: 'Expected ',' or '}' at line 4, column 3'\. Line 4, position 3\./,
    );
    // "Go to the error" puts the caret where the reader stopped.
    await page.getByRole("button", { name: "Go to the error in the template" }).click();
    const caret = await page.evaluate(() => {
      const t = document.activeElement as HTMLTextAreaElement;
      const before = t.value.slice(0, t.selectionStart);
      return { id: t.id, line: before.split("\n").length, column: before.length - before.lastIndexOf("\n") };
    });
    assert.deepEqual(caret, { id: "template-text", line: 4, column: 3 });
    await assertAxeClean(page, "custom deployment: unreadable template");
    await page.getByRole("tab", { name: "Review + create" }).click();
    const review = page.getByRole("tabpanel", { name: "Review + create" });
    assert.match(await review.innerText(), /The template cannot be read \(Template\)/);
    assert.equal(await review.getByRole("button", { name: "Create", exact: true }).count(), 0);

    // Readable, but a function the language does not have: the server's InvalidTemplate, with its line.
    // This one uploaded as a file: the box shows the file as written.
    await pasteTemplate(page, "");
    await page.getByLabel("Upload a template file").setInputFiles({
      name: "bad-function.json",
      mimeType: "application/json",
      buffer: Buffer.from(fixture("bad-function.json")),
    });
    await page.getByText("Template read: 0 parameters, 1 resource.").waitFor();
    assert.equal(await page.getByLabel("Template (JSON)").inputValue(), fixture("bad-function.json"));
    await page.getByRole("tab", { name: "Basics" }).click();
    await page.getByLabel("Resource group").selectOption("rg-arc-private-link");
    await page.getByRole("tab", { name: "Review + create" }).click();
    const refusal = review
      .getByRole("alert")
      .filter({ hasText: "What-if: Azure Resource Manager would refuse this change" });
    await refusal.waitFor();
    const msg = await refusal.innerText();
    assert.match(msg, /InvalidTemplate/);
    assert.match(msg, /concatt/);
    assert.match(msg, /line '5' and column '5'/, "the line in the pasted text");
    assert.equal(await review.getByRole("button", { name: "Create", exact: true }).isDisabled(), true);
    await assertAxeClean(page, "custom deployment: refused template");

    // Readable and valid, but a resource the providers refuse: what-if's Failed status, inner error named.
    const wi = await arm(
      srv.info,
      "POST",
      `${rg}/providers/Microsoft.Resources/deployments/probe/whatIf?${RES}`,
      `{"properties":{"mode":"Incremental","template":${fixture("refused.json")}}}`,
    );
    assert.equal(wi.json.status, "Failed", wi.text);
    await pasteTemplate(page, fixture("refused.json"));
    await page.getByText("Template read: 0 parameters, 4 resources.").waitFor();
    await page.getByRole("tab", { name: "Basics" }).click();
    await page.getByLabel("Resource group").selectOption("rg-arc-private-link");
    await page.getByRole("tab", { name: "Review + create" }).click();
    const failed = review
      .getByRole("alert")
      .filter({ hasText: "What-if: Azure Resource Manager would refuse this change" });
    await failed.waitFor();
    const said = await failed.innerText();
    assert.ok(said.includes(wi.json.error.code), said);
    assert.ok(said.includes(wi.json.error.details[0].code), `the inner error: ${said}`);
    assert.equal(await review.getByRole("button", { name: "Create", exact: true }).isDisabled(), true);
  },
);

test(
  "a deployment that failed: its page shows the error with its inner errors and each operation",
  T,
  async () => {
    const { page } = pb;
    const id = `${rg}/providers/Microsoft.Resources/deployments/refused-rollout`;
    const put = await armDeployment(srv.info, `${id}?${RES}`, {
      properties: { mode: "Incremental", template: JSON.parse(fixture("refused.json")) },
    });
    assert.ok([200, 201].includes(put.status), put.text);
    const rec = await arm(srv.info, "GET", `${id}?${RES}`);
    assert.equal(rec.json.properties.provisioningState, "Failed");
    const inner = rec.json.properties.error.details[0];
    await go(page, `/deployment/${encodeURIComponent(id)}`);
    const box = page.locator(".deployment-error");
    await box.waitFor();
    const text = await box.innerText();
    assert.match(text, /Your deployment failed: refused-rollout/);
    assert.match(text, new RegExp(rec.json.properties.error.code));
    assert.ok(text.includes(inner.code), `inner error ${inner.code} shown: ${text}`);
    assert.ok(text.includes(inner.message.slice(0, 60)), "the inner error's message");
    const ops = page.getByRole("table", { name: "Deployment operations" });
    await ops.waitFor();
    const apiOps = (await arm(srv.info, "GET", `${id}/operations?${RES}`)).json.value as any[];
    const failed = apiOps.filter((o) => o.properties.provisioningState === "Failed");
    assert.ok(failed.length >= 1);
    const failedRow = ops.locator("tbody tr", { hasText: failed[0].properties.targetResource.resourceName });
    assert.match(await failedRow.innerText(), /Failed/);
    assert.match(await failedRow.innerText(), new RegExp(inner.code));
    await assertAxeClean(page, "deployment result: failed");
    // The crumbs lead to the resource group's deployments, ARM's list: this one is there as Failed.
    await page.locator("p.crumbs").getByRole("link", { name: "Deployments" }).click();
    const list = page.getByRole("table", { name: "Deployments" });
    await page.locator('p.count[data-complete="true"]').waitFor();
    const api = await arm(srv.info, "GET", `${rg}/providers/Microsoft.Resources/deployments?${RES}`);
    assert.equal(await page.locator("p.count").getAttribute("data-total"), String(api.json.value.length));
    assert.equal(await page.getByLabel("Resource group").inputValue(), "rg-arc-private-link");
    await page.getByLabel("Status").selectOption("Failed");
    assert.deepEqual(
      await list.locator("tbody tr").evaluateAll((t) => t.map((x) => x.getAttribute("data-deployment"))),
      (api.json.value as any[]).filter((d) => d.properties.provisioningState === "Failed").map((d) => d.name),
    );
    await assertAxeClean(page, "deployments of a resource group");
    await list.getByRole("link", { name: "refused-rollout" }).click();
    await page.locator(".deployment-error").waitFor();
  },
);

test(
  "a second scope in the hub VNet, with the keyboard only: the machines it cuts off and the confirmation",
  T,
  async () => {
    const { page, problems } = pb;
    await pasteTemplate(page, fixture("second-scope.json"));
    await page.getByText("Template read: 2 parameters, 2 resources.").waitFor();
    // Keys only from here: Tab to Next, Enter; the step's panel takes the focus.
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "button", label: "Next: Basics" });
    await page.keyboard.press("Enter");
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute("role")),
      "tabpanel",
      "the Basics panel has the focus",
    );
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "select", label: "Subscription" });
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "select", label: "Resource group" });
    await arrowTo(page, "rg-arc-private-link");
    for (const label of ["Region", "Deployment name", "Load a parameters file", "scopeName", "vnetName"]) {
      await page.keyboard.press("Tab");
      assert.deepEqual(await focused(page), { tag: "input", label });
    }
    assert.equal(await page.getByLabel("scopeName", { exact: true }).inputValue(), "pls-arc-2");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "button", label: "Next: Review + create" });
    await page.keyboard.press("Enter");

    const review = page.getByRole("tabpanel", { name: "Review + create" });
    const changes = review.getByRole("table", { name: "Resource changes" });
    await changes.waitFor();
    const kinds = await changes
      .locator("tbody tr")
      .evaluateAll((t) =>
        t.map(
          (x) =>
            `${x.getAttribute("data-change-type")} ${x.getAttribute("data-resource-id")!.split("/").pop()}`,
        ),
      );
    assert.deepEqual(kinds.sort(), ["Create default", "Create pe-pls-arc-2", "Create pls-arc-2"]);
    const machines = review.getByRole("table", { name: "Machines whose verdicts change" });
    await machines.waitFor();
    const rows = await machines.locator("tbody tr").evaluateAll((trs) =>
      trs.map((tr) => ({
        host: tr.getAttribute("data-host"),
        before: tr.getAttribute("data-before"),
        after: tr.getAttribute("data-after"),
        text: (tr as HTMLElement).innerText,
      })),
    );
    assert.deepEqual(rows.map((r) => r.host).sort(), ["srv-lnx-01", "srv-win-01"]);
    for (const r of rows) {
      assert.equal(r.before, "private");
      assert.equal(r.after, "refused");
      assert.match(r.text, /MachineAssociatedWithAnotherScope/);
    }
    const create = review.getByRole("button", { name: "Create", exact: true });
    assert.equal(await create.isDisabled(), true, "Create waits for the confirmation");
    const label = await review.locator("label", { hasText: "I understand" }).innerText();
    assert.match(label, /deploying Microsoft\.Template-\d{14} refuses/);
    assert.match(label, /srv-win-01/);
    assert.match(label, /srv-lnx-01/);
    await assertAxeClean(page, "custom deployment: review that cuts off machines");
    await assertNoOverflow(page, "custom deployment: review that cuts off machines at 1440 px");
    await page.setViewportSize({ width: 900, height: 900 });
    await assertNoOverflow(page, "custom deployment: review that cuts off machines at 900 px");
    await page.setViewportSize({ width: 1440, height: 900 });
    const none = await arm(
      srv.info,
      "GET",
      `${rg}/providers/Microsoft.HybridCompute/privateLinkScopes/pls-arc-2?api-version=2024-07-10`,
    );
    assert.equal(none.status, 404, "what-if wrote nothing");

    await review.getByLabel(/I understand that deploying/).focus();
    await page.keyboard.press("Space");
    assert.equal(await create.isDisabled(), false, "confirmed: Create is enabled");
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "button", label: "Create" });
    await page.keyboard.press("Enter");
    await page.getByText(/Your deployment is complete/).waitFor({ timeout: 60_000 });

    // What the review said is what happened.
    const chk = await arm(srv.info, "POST", `/subscriptions/${sub}/providers/ArcLink.Lab/check?${LAB}`, {
      host: "srv-win-01",
    });
    const gbl = (chk.json.value[0].endpoints as any[]).find((e) => e.endpoint === "gbl.his.arc.azure.com");
    assert.equal(gbl.verdict, "refused");
    assert.equal(gbl.reason, "MachineAssociatedWithAnotherScope");
    assert.deepEqual(problems, []);
  },
);
