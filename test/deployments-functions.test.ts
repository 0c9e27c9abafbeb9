// Template functions real templates use, on their own (no server): Bicep's lambda functions as
// Bicep emits them (filter, map, reduce, sort, toObject, mapValues, groupBy with lambda() and
// lambdaVariables()), the CIDR functions a network template computes subnets with, the newer array,
// object, string and date functions, list*() (the dependency it implies, the error when ArcLink
// serves no such action), and the Azure functions ArcLink refuses by name.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EvalContext, Scope, TemplateError } from "../src/templates/context.js";
import { evaluateString } from "../src/templates/evaluate.js";
import { expand } from "../src/templates/expand.js";
import { parseJsonc } from "../src/templates/jsonc.js";
import { outputs } from "../src/templates/run.js";
import { bindTemplate } from "../src/templates/template.js";

const SCOPE: Scope = {
  tenantId: "00000000-0000-0000-0000-0000000000aa",
  subscriptionId: "00000000-0000-0000-0000-000000000001",
  resourceGroup: "rg",
  location: "eastus",
};
const RG = `/subscriptions/${SCOPE.subscriptionId}/resourceGroups/rg`;

const base = {
  reference: (t: string) => {
    throw new TemplateError(`no reads here (${t})`);
  },
  list: (action: string, id: string) => {
    throw new TemplateError(`The resource '${id}' does not support the action '${action}'.`);
  },
  symbolic: () => undefined,
  resourceGroupBody: () => ({ id: RG, name: "rg", location: "eastus" }),
};

function bind(text: string, supplied: Record<string, unknown> = {}) {
  const p = parseJsonc(text);
  return bindTemplate({
    template: p.value,
    positions: p.positions,
    supplied,
    scope: SCOPE,
    deploymentName: "d",
    base,
  });
}

const ctx = (): EvalContext => bind(`{"$schema": "x", "resources": []}`).context;
const ev = (s: string) => evaluateString(s, ctx());

describe("lambda functions, as Bicep emits them", () => {
  const zones =
    "createArray('privatelink.his.arc.azure.com', 'privatelink.guestconfiguration.azure.com', 'privatelink.dp.kubernetesconfiguration.azure.com')";

  it("filter and map, with the element and its index", () => {
    assert.deepEqual(ev(`[filter(${zones}, lambda('z', contains(lambdaVariables('z'), 'arc')))]`), [
      "privatelink.his.arc.azure.com",
    ]);
    assert.deepEqual(
      ev(`[filter(createArray(5, 6, 7, 8), lambda('x', 'i', equals(mod(lambdaVariables('i'), 2), 0)))]`),
      [5, 7],
    );
    assert.deepEqual(
      ev(
        `[map(${zones}, lambda('z', 'i', format('{0}:{1}', lambdaVariables('i'), split(lambdaVariables('z'), '.')[1])))]`,
      ),
      ["0:his", "1:guestconfiguration", "2:dp"],
    );
    // Bicep's `[for z in zones: { name: replace(z, '.', '-') }]` over objects, as map emits it.
    assert.deepEqual(
      ev(
        `[map(createArray('a.b', 'c.d'), lambda('z', createObject('name', replace(lambdaVariables('z'), '.', '-'))))]`,
      ),
      [{ name: "a-b" }, { name: "c-d" }],
    );
  });

  it("reduce, sort, toObject, mapValues, groupBy; lambdas nest and see the outer names", () => {
    assert.equal(
      ev(
        "[reduce(createArray(1, 2, 3, 4), 10, lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))]",
      ),
      20,
    );
    assert.deepEqual(
      ev(
        "[sort(createArray('c', 'a', 'b'), lambda('x', 'y', less(lambdaVariables('x'), lambdaVariables('y'))))]",
      ),
      ["a", "b", "c"],
    );
    assert.deepEqual(
      ev(
        "[toObject(createArray(createObject('n', 'a', 'v', 1), createObject('n', 'b', 'v', 2)), lambda('e', lambdaVariables('e').n), lambda('e', lambdaVariables('e').v))]",
      ),
      { a: 1, b: 2 },
    );
    assert.deepEqual(ev("[toObject(createArray('x', 'y'), lambda('e', lambdaVariables('e')))]"), {
      x: "x",
      y: "y",
    });
    assert.deepEqual(
      ev("[mapValues(createObject('a', 1, 'b', 2), lambda('v', mul(lambdaVariables('v'), 10)))]"),
      { a: 10, b: 20 },
    );
    assert.deepEqual(
      ev("[groupBy(createArray('ab', 'ac', 'bd'), lambda('s', first(lambdaVariables('s'))))]"),
      {
        a: ["ab", "ac"],
        b: ["bd"],
      },
    );
    assert.deepEqual(
      ev(
        "[map(createArray(1, 2), lambda('x', map(createArray(10, 20), lambda('y', add(lambdaVariables('x'), lambdaVariables('y'))))))]",
      ),
      [
        [11, 21],
        [12, 22],
      ],
    );
  });

  it("misuse is refused with what, why and the fix", () => {
    assert.throws(() => ev("[lambda('x', 1)]"), /'lambda' is only valid as an argument of filter, map/);
    assert.throws(
      () => ev("[lambdaVariables('x')]"),
      /lambdaVariables\(\) is only valid inside a lambda expression/,
    );
    assert.throws(
      () => ev("[map(createArray(1), lambda('x', lambdaVariables('y')))]"),
      /lambda variable 'y' is not defined: the lambda declares 'x'/,
    );
    assert.throws(
      () => ev("[map(createArray(1), 'x')]"),
      /'map' expects a lambda expression as this argument/,
    );
    assert.throws(() => ev("[filter(createArray(1), lambda('x', 1))]"), /must return a boolean/);
    assert.throws(
      () => ev("[map(createObject('a', 1), lambda('x', 1))]"),
      /'map' expects its first argument to be an array/,
    );
    assert.throws(
      () => ev("[reduce(createArray(1), 0, lambda('x', 1))]"),
      /must declare 2 to 3 parameter name/,
    );
  });

  it("in a languageVersion 2.0 template: a variable built with map() drives a resource loop, outputs use filter()", () => {
    const b = bind(`{
      "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      "languageVersion": "2.0",
      "contentVersion": "1.0.0.0",
      "parameters": { "zones": { "type": "array", "defaultValue": ["privatelink.his.arc.azure.com", "privatelink.guestconfiguration.azure.com"] } },
      "variables": {
        "links": "[map(parameters('zones'), lambda('z', createObject('zone', lambdaVariables('z'), 'name', format('link-{0}', split(lambdaVariables('z'), '.')[1]))))]"
      },
      "resources": {
        "link": {
          "copy": { "name": "link", "count": "[length(variables('links'))]" },
          "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
          "apiVersion": "2020-06-01",
          "name": "[format('{0}/{1}', variables('links')[copyIndex()].zone, variables('links')[copyIndex()].name)]",
          "location": "global",
          "properties": { "registrationEnabled": false, "virtualNetwork": { "id": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet-hub')]" } }
        }
      },
      "outputs": {
        "his": { "type": "array", "value": "[filter(variables('links'), lambda('l', contains(lambdaVariables('l').zone, '.his.')))]" }
      }
    }`);
    const xs = expand(b);
    assert.deepEqual(
      xs.map((x) => x.name),
      [
        "privatelink.his.arc.azure.com/link-his",
        "privatelink.guestconfiguration.azure.com/link-guestconfiguration",
      ],
    );
    assert.deepEqual(outputs(b).his.value, [{ zone: "privatelink.his.arc.azure.com", name: "link-his" }]);
  });
});

describe("CIDR functions (Azure's documented examples)", () => {
  it("parseCidr, cidrSubnet, cidrHost", () => {
    assert.deepEqual(ev("[parseCidr('10.144.0.0/20')]"), {
      network: "10.144.0.0",
      netmask: "255.255.240.0",
      broadcast: "10.144.15.255",
      firstUsable: "10.144.0.1",
      lastUsable: "10.144.15.254",
      cidr: 20,
    });
    assert.deepEqual(
      ev("[map(range(0, 5), lambda('i', cidrSubnet('10.144.0.0/20', 24, lambdaVariables('i'))))]"),
      ["10.144.0.0/24", "10.144.1.0/24", "10.144.2.0/24", "10.144.3.0/24", "10.144.4.0/24"],
    );
    assert.deepEqual(ev("[map(range(0, 5), lambda('i', cidrHost('10.144.3.0/24', lambdaVariables('i'))))]"), [
      "10.144.3.1",
      "10.144.3.2",
      "10.144.3.3",
      "10.144.3.4",
      "10.144.3.5",
    ]);
    // The rollout's subnets, computed from the VNet's prefix.
    assert.equal(ev("[cidrSubnet('10.10.0.0/16', 27, 2040)]"), "10.10.255.0/27");
    assert.equal(ev("[parseCidr('10.0.0.8/31').firstUsable]"), "10.0.0.8");
  });

  it("refuses what it cannot compute, and says so", () => {
    assert.throws(
      () => ev("[parseCidr('fdad:3236:5555::/48')]"),
      /IPv6 range .* ArcLink evaluates IPv4 ranges only/,
    );
    assert.throws(() => ev("[parseCidr('10.0.0.0')]"), /expects an IPv4 range in CIDR notation/);
    assert.throws(() => ev("[cidrSubnet('10.0.0.0/24', 16, 0)]"), /new CIDR between 24 .* and 32; got 16/);
    assert.throws(
      () => ev("[cidrSubnet('10.0.0.0/24', 26, 4)]"),
      /splits into 4 \/26 subnet\(s\), indexed 0 to 3/,
    );
    assert.throws(() => ev("[cidrHost('10.0.0.0/30', 2)]"), /has 2 usable address\(es\), indexed 0 to 1/);
  });
});

describe("array, object, string and date functions", () => {
  it("flatten, objectKeys, shallowMerge, tryGet, indexFromEnd, tryIndexFromEnd", () => {
    assert.deepEqual(ev("[flatten(createArray(createArray(1, 2), createArray(3)))]"), [1, 2, 3]);
    assert.deepEqual(ev("[objectKeys(createObject('a', 1, 'b', 2))]"), ["a", "b"]);
    assert.deepEqual(
      ev(
        "[shallowMerge(createArray(createObject('a', 1, 'n', createObject('x', 1)), createObject('n', createObject('y', 2))))]",
      ),
      {
        a: 1,
        n: { y: 2 },
      },
    );
    assert.equal(ev("[tryGet(createObject('a', createObject('b', 5)), 'a', 'b')]"), 5);
    assert.equal(ev("[tryGet(createObject('a', 1), 'missing')]"), null);
    assert.equal(ev("[tryGet(createArray(1, 2), 5)]"), null);
    assert.equal(ev("[indexFromEnd(createArray('a', 'b', 'c'), 1)]"), "c");
    assert.throws(() => ev("[indexFromEnd(createArray('a'), 2)]"), /so use 1 to 1/);
    assert.equal(ev("[tryIndexFromEnd(createArray('a'), 2)]"), null);
  });

  it("base64ToJson, dataUri, dataUriToString", () => {
    assert.deepEqual(ev("[base64ToJson(base64('{\"a\": 1}'))]"), { a: 1 });
    assert.equal(ev("[dataUri('Hello')]"), "data:text/plain;charset=utf8;base64,SGVsbG8=");
    assert.equal(ev("[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]"), "Hello, World!");
  });

  it("dateTimeAdd, dateTimeFromEpoch, dateTimeToEpoch", () => {
    assert.equal(ev("[dateTimeAdd('2020-04-07 14:53:14Z', 'P3Y')]"), "2023-04-07T14:53:14Z");
    assert.equal(ev("[dateTimeAdd('2020-04-07 14:53:14Z', '-PT9H')]"), "2020-04-07T05:53:14Z");
    assert.equal(ev("[dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H30M')]"), "2020-04-07T16:23:14Z");
    assert.equal(ev("[dateTimeFromEpoch(1683040573)]"), "2023-05-02T15:16:13Z");
    assert.equal(ev("[dateTimeToEpoch('2023-05-02T15:16:13Z')]"), 1683040573);
    assert.throws(() => ev("[dateTimeAdd('2020-04-07', 'three days')]"), /expects an ISO 8601 duration/);
  });
});

describe("list*() and the functions ArcLink refuses by name", () => {
  const template = `{
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
      { "type": "Microsoft.HybridCompute/privateLinkScopes", "apiVersion": "2024-07-10", "name": "pls", "location": "eastus", "properties": {} },
      { "type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": "z.internal", "location": "global",
        "tags": { "key": "[listKeys(resourceId('Microsoft.HybridCompute/privateLinkScopes', 'pls'), '2024-07-10').keys[0].value]" } },
      { "type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": "y.internal", "location": "global",
        "tags": { "id": "[resourceId('Microsoft.HybridCompute/privateLinkScopes', 'pls')]" } }
    ]
  }`;

  it("a list*() call implies a dependency on its target, as reference() does (resourceId() alone does not)", () => {
    const xs = expand(bind(template));
    const by = (n: string) => xs.find((x) => x.name === n)!;
    assert.deepEqual([...by("z.internal").dependsOn], [by("pls").key]);
    assert.deepEqual([...by("y.internal").dependsOn], []);
  });

  it("a list action ArcLink does not serve, and Azure functions it does not evaluate, are refused by name", () => {
    assert.throws(
      () => ev(`[listKeys('${RG}/providers/Microsoft.HybridCompute/privateLinkScopes/pls', '2024-07-10')]`),
      /does not support the action 'listKeys'/,
    );
    for (const f of [
      "pickZones('Microsoft.Compute', 'virtualMachines', 'eastus')",
      "deployer()",
      "managementGroup()",
      "providers('Microsoft.Network')",
    ])
      assert.throws(
        () => ev(`[${f}]`),
        /is not evaluated by ArcLink: .*pass the value it would return as a parameter/,
        f,
      );
  });
});

describe("what Bicep emits beyond the functions: user-defined types and functions, nullable parameters", () => {
  const tpl = (extra: object) =>
    JSON.stringify({
      $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      languageVersion: "2.0",
      contentVersion: "1.0.0.0",
      resources: {},
      ...extra,
    });

  it("a parameter typed by a definition ($ref) takes the definition's type and constraints", () => {
    const t = tpl({
      definitions: {
        access: { type: "string", allowedValues: ["Enabled", "Disabled"] },
        scopeAccess: { $ref: "#/definitions/access", metadata: { description: "nested" } },
      },
      parameters: { pna: { $ref: "#/definitions/scopeAccess", defaultValue: "Disabled" } },
      outputs: { o: { type: "string", value: "[parameters('pna')]" } },
    });
    assert.equal(outputs(bind(t)).o.value, "Disabled");
    assert.throws(
      () => bind(t, { pna: "Sometimes" }),
      /is not part of the allowed value\(s\): 'Enabled,Disabled'/,
    );
    assert.throws(
      () => bind(tpl({ parameters: { p: { $ref: "#/definitions/nope" } } })),
      /refers to the type '#\/definitions\/nope', which is not one of the template's definitions/,
    );
  });

  it("a nullable parameter left out is null", () => {
    const t = tpl({
      parameters: { dns: { type: "string", nullable: true } },
      outputs: { o: { type: "string", value: "[coalesce(parameters('dns'), 'azure-provided')]" } },
    });
    assert.equal(outputs(bind(t)).o.value, "azure-provided");
    assert.equal(outputs(bind(t, { dns: "10.10.2.4" })).o.value, "10.10.2.4");
  });

  it("user-defined functions (Bicep's func) evaluate with their own parameters only", () => {
    const t = tpl({
      functions: [
        {
          namespace: "__bicep",
          members: {
            zoneName: {
              parameters: [{ type: "string", name: "service" }],
              output: {
                type: "string",
                value: "[format('privatelink.{0}.azure.com', parameters('service'))]",
              },
            },
            leaks: { parameters: [], output: { type: "string", value: "[variables('v')]" } },
          },
        },
      ],
      variables: { v: "x" },
      outputs: { o: { type: "string", value: "[__bicep.zoneName('his.arc')]" } },
    });
    const b = bind(t);
    assert.equal(outputs(b).o.value, "privatelink.his.arc.azure.com");
    assert.throws(() => evaluateString("[__bicep.leaks()]", b.context), /cannot read the variable 'v'/);
    assert.throws(
      () => evaluateString("[__bicep.zoneName()]", b.context),
      /takes 1 argument\(s\) while 0 were provided/,
    );
  });
});
