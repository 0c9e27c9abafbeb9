// The template language on its own (no server): the JSONC reader and its positions, the
// expression language and its escapes, the functions, parameters, copy loops, conditions, the
// dependency graph (explicit, implied by reference() but not by resourceId()), and Azure's
// wording for InvalidTemplate.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EvalContext, Scope, TemplateError } from "../src/templates/context.js";
import { evaluateString } from "../src/templates/evaluate.js";
import { expand } from "../src/templates/expand.js";
import { parseJsonc } from "../src/templates/jsonc.js";
import { outputs } from "../src/templates/run.js";
import { bindTemplate } from "../src/templates/template.js";
import { changeOf } from "../src/templates/whatIfChanges.js";

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
  list: () => {
    throw new TemplateError("no list here");
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

describe("template language: reading", () => {
  it("reads comments, unquoted keys and trailing commas, and remembers where each object starts", () => {
    const text = `{ // a comment\n  /* block */ a: 1,\n  "b": [ { "c": 'x', }, ],\n}`;
    const p = parseJsonc(text);
    assert.deepEqual(p.value, { a: 1, b: [{ c: "x" }] });
    const inner = (p.value as any).b[0];
    assert.deepEqual(p.positions.get(inner), { line: 3, column: 10 });
  });

  it("reads az 2.45's deployment body: the template spliced in under an unquoted key", () => {
    const template = `{\n  // kept\n  "$schema": "s",\n  "resources": []\n}`;
    const body = `{"properties": {"mode": "Incremental"}, template:${template}}}`.replace(
      "}, template",
      ", template",
    );
    const p = parseJsonc(body);
    assert.equal((p.value as any).properties.template.$schema, "s");
  });

  it("refuses malformed text with the line and column", () => {
    assert.throws(() => parseJsonc(`{\n  "a": [1,\n  }`), /line 3, column 3/);
  });
});

describe("template language: expressions and functions", () => {
  it("evaluates nested calls, properties, indexes, and the [[ escape", () => {
    assert.equal(ev("[concat('a', string(add(1, 2)), toUpper('b'))]"), "a3B");
    assert.equal(ev("[[not an expression]"), "[not an expression]");
    assert.equal(ev("plain"), "plain");
    assert.equal(ev("[createObject('k', createArray(1, 2, 3)).k[2]]"), 3);
    assert.equal(ev("[format('{0}-{1:D3}', 'vm', 7)]"), "vm-007");
    assert.equal(ev("['it''s']"), "it's");
  });

  it("if() evaluates only the branch it takes; coalesce skips nulls", () => {
    assert.equal(ev("[if(true(), 'yes', concatt('never evaluated'))]"), "yes");
    assert.equal(ev("[coalesce(null(), null(), 'third')]"), "third");
  });

  it("collection functions: union, intersection, contains, empty, length, first, last, range", () => {
    assert.deepEqual(ev("[union(createArray(1, 2), createArray(2, 3))]"), [1, 2, 3]);
    assert.deepEqual(ev("[union(createObject('a', 1), createObject('b', 2))]"), { a: 1, b: 2 });
    assert.deepEqual(ev("[intersection(createArray(1, 2, 3), createArray(2, 3, 4))]"), [2, 3]);
    assert.equal(ev("[contains(createObject('Key', 1), 'key')]"), true);
    assert.equal(ev("[empty('')]"), true);
    assert.equal(ev("[length(range(5, 3))]"), 3);
    assert.equal(ev("[last(split('a/b/c', '/'))]"), "c");
  });

  it("resourceId and its variants build ids in the deployment's scope", () => {
    assert.equal(
      ev("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]"),
      `${RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/s`,
    );
    assert.equal(
      ev("[resourceId('other', 'Microsoft.Network/virtualNetworks', 'v')]"),
      `/subscriptions/${SCOPE.subscriptionId}/resourceGroups/other/providers/Microsoft.Network/virtualNetworks/v`,
    );
    assert.equal(
      ev("[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'x')]"),
      `/subscriptions/${SCOPE.subscriptionId}/providers/Microsoft.Resources/resourceGroups/x`,
    );
    assert.equal(ev("[tenantResourceId('Microsoft.Foo/bars', 'b')]"), "/providers/Microsoft.Foo/bars/b");
    assert.equal(
      ev(
        `[extensionResourceId('${RG}/providers/Microsoft.Network/virtualNetworks/v', 'Microsoft.Authorization/locks', 'l')]`,
      ),
      `${RG}/providers/Microsoft.Network/virtualNetworks/v/providers/Microsoft.Authorization/locks/l`,
    );
    assert.throws(
      () => ev("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v')]"),
      /requires '2' resource name/,
    );
  });

  it("uniqueString and guid are stable for the same input, different for another", () => {
    const a = ev("[uniqueString(resourceGroup().id)]") as string;
    assert.match(a, /^[a-z2-7]{13}$/);
    assert.equal(ev("[uniqueString(resourceGroup().id)]"), a);
    assert.notEqual(ev("[uniqueString('other')]"), a);
    assert.match(
      ev("[guid('a', 'b')]") as string,
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("an unknown function and a malformed expression are refused in Azure's words", () => {
    assert.throws(() => ev("[concatt('a')]"), /The template function 'concatt' is not valid/);
    assert.throws(
      () => ev("[concat('a']"),
      /Unable to parse language expression.*expected token 'RightParenthesis' and actual 'EndOfData'/,
    );
    assert.throws(
      () => ev("[createObject('a', 1).b]"),
      /property 'b' doesn't exist, available properties are 'a'/,
    );
  });
});

describe("template language: parameters, variables, resources", () => {
  const template = `{
  "$schema": "x",
  "parameters": {
    "count": { "type": "int", "defaultValue": 2, "maxValue": 5 },
    "mode": { "type": "string", "defaultValue": "a", "allowedValues": ["a", "b"] },
    "on": { "type": "bool", "defaultValue": false }
  },
  "variables": {
    "copy": [{ "name": "names", "count": "[parameters('count')]", "input": "[format('n{0}', copyIndex('names'))]" }],
    "vnetId": "[resourceId('Microsoft.Network/virtualNetworks', 'v')]"
  },
  "resources": [
    { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "v",
      "resources": [ { "type": "subnets", "apiVersion": "2023-04-01", "name": "s" } ] },
    { "type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01",
      "name": "[variables('names')[copyIndex()]]", "copy": { "name": "zones", "count": "[parameters('count')]" } },
    { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-04-01", "name": "nsg",
      "condition": "[parameters('on')]", "dependsOn": ["zones"] },
    { "type": "Microsoft.Network/privateEndpoints", "apiVersion": "2023-04-01", "name": "pe",
      "properties": { "subnet": { "id": "[variables('vnetId')]" }, "x": "[reference('nsg').y]" } }
  ],
  "outputs": { "names": { "type": "array", "value": "[variables('names')]" } }
}`;

  it("binds parameters with defaults and checks types, allowed values and bounds", () => {
    const b = bind(template, { mode: "b" });
    assert.deepEqual(b.parameters.mode, { type: "String", value: "b" });
    assert.throws(
      () => bind(template, { mode: "c" }),
      /The value 'c' is not part of the allowed value\(s\): 'a,b'/,
    );
    assert.throws(() => bind(template, { count: 9 }), /less than or equal to '5'/);
    assert.throws(() => bind(template, { count: "2" }), /Expected a value of type 'int'/);
    assert.throws(
      () => bind(template, { nope: 1 }),
      /The template parameters 'nope' in the parameters file are not valid/,
    );
  });

  it("expands copy loops, child resources and conditions; outputs read variable copies", () => {
    const b = bind(template);
    const xs = expand(b);
    assert.deepEqual(
      xs.map((x) => `${x.type}/${x.name}${x.condition ? "" : " (skipped)"}`),
      [
        "Microsoft.Network/virtualNetworks/v",
        "Microsoft.Network/virtualNetworks/subnets/v/s",
        "Microsoft.Network/privateDnsZones/n0",
        "Microsoft.Network/privateDnsZones/n1",
        "Microsoft.Network/networkSecurityGroups/nsg (skipped)",
        "Microsoft.Network/privateEndpoints/pe",
      ],
    );
    assert.deepEqual(outputs(b).names, { type: "Array", value: ["n0", "n1"] });
  });

  it("dependencies: a child waits for its parent, a loop name means every copy, reference() implies one, resourceId() does not", () => {
    const xs = expand(bind(template));
    const by = (n: string) => xs.find((x) => x.name === n)!;
    assert.ok(by("v/s").dependsOn.has(by("v").key));
    assert.deepEqual([...by("nsg").dependsOn].sort(), [by("n0").key, by("n1").key].sort());
    assert.deepEqual([...by("pe").dependsOn], [by("nsg").key]);
  });

  it("a missing dependency, a cycle, a duplicate and wrong name segments are InvalidTemplate", () => {
    const one = (resources: string) => bind(`{"$schema": "x", "resources": [${resources}]}`);
    assert.throws(
      () => expand(one(`{"type": "A.B/c", "apiVersion": "1", "name": "x", "dependsOn": ["nope"]}`)),
      /Deployment template validation failed: 'The resource 'nope' is not defined in the template/,
    );
    assert.throws(
      () =>
        expand(
          one(
            `{"type": "A.B/c", "apiVersion": "1", "name": "x", "dependsOn": ["y"]}, {"type": "A.B/c", "apiVersion": "1", "name": "y", "dependsOn": ["x"]}`,
          ),
        ),
      /Circular dependency detected on resource/,
    );
    assert.throws(
      () =>
        expand(
          one(
            `{"type": "A.B/c", "apiVersion": "1", "name": "x"}, {"type": "A.B/c", "apiVersion": "1", "name": "x"}`,
          ),
        ),
      /is defined multiple times in a template/,
    );
    assert.throws(
      () => expand(one(`{"type": "A.B/c/d", "apiVersion": "1", "name": "x"}`)),
      /has incorrect segment lengths/,
    );
  });

  it("an error inside a resource names the resource with its line and column", () => {
    const b = bind(`{
  "$schema": "x",
  "resources": [
    { "type": "A.B/c", "apiVersion": "1",
      "name": "[toLower(parameters('missing'))]" }
  ]
}`);
    assert.throws(
      () => expand(b),
      (e: Error) =>
        /at line '4' and column '5' is not valid: The template parameter 'missing' is not found/.test(
          e.message,
        ),
    );
  });

  it("symbolic names (languageVersion 2.0): dependsOn and resourceInfo by name, one loop element by name[i]", () => {
    const b = bind(`{
  "$schema": "x", "languageVersion": "2.0",
  "resources": {
    "zones": { "copy": { "name": "zones", "count": 2 }, "type": "Microsoft.Network/privateDnsZones",
               "apiVersion": "2020-06-01", "name": "[format('z{0}', copyIndex())]" },
    "link": { "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "apiVersion": "2020-06-01",
              "name": "z1/l", "dependsOn": ["zones[1]"] }
  }
}`);
    const xs = expand(b);
    const link = xs.find((x) => x.symbolic === "link")!;
    assert.deepEqual([...link.dependsOn], [xs.find((x) => x.name === "z1")!.key]);
  });
});

describe("what-if changes", () => {
  it("compares only what the template sets; arrays by element name", () => {
    const before = {
      location: "eastus",
      properties: { a: 1, computed: "x", subnets: [{ name: "s", properties: { p: "1" }, etag: "e1" }] },
    };
    const after = {
      location: "eastus",
      properties: { a: 2, computed: "y", subnets: [{ name: "s", properties: { p: "1" }, etag: "e2" }] },
    };
    const c = changeOf(
      "/id",
      { location: "eastus", properties: { a: 2, subnets: [{ name: "s", properties: { p: "1" } }] } },
      before,
      after,
    );
    assert.equal(c.changeType, "Modify");
    assert.deepEqual(c.delta, [{ path: "properties.a", propertyChangeType: "Modify", before: 1, after: 2 }]);
    assert.equal(changeOf("/id", { properties: { a: 1 } }, before, before).changeType, "NoChange");
    assert.equal(changeOf("/id", {}, undefined, after).changeType, "Create");
  });
});
