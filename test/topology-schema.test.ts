// The topology file's one schema (src/topology/schema.ts) as JSON Schema: the committed copies in
// schemas/ are what `arclink schema` prints; a real JSON Schema validator (ajv, strict) accepts
// every example and fixture, and refuses each bad input at the paths the parser names, with the
// parser's message less what a static schema cannot know (through the errorMessage and
// patternErrorMessage keywords editors read); what JSON Schema cannot say is listed, and shown
// accepted by it and refused by the parser.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { parse } from "yaml";
import {
  HOST,
  type Issue,
  type Infer,
  type Path,
  TOPOLOGY_SCHEMA,
  formatPath,
  validate,
} from "../src/topology/schema.js";
import { parseTopology } from "../src/topology/parse.js";
import { ONPREM_SCHEMA } from "../src/analysis/export/onpremSchema.js";
import { arclink, ROOT } from "./helpers/server.js";

const committed = (name: string) => readFileSync(join(ROOT, "schemas", name), "utf8");
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
// The editors' message keywords (VS Code's JSON language service, yaml-language-server).
ajv.addKeyword({ keyword: "errorMessage", schemaType: "string" });
ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
const topologyJson: ValidateFunction = ajv.compile(JSON.parse(committed("topology.schema.json")));
const onpremJson: ValidateFunction = ajv.compile(JSON.parse(committed("onprem.schema.json")));

/** An ajv error's path as the parser's: the key a missing or unknown property names is part of it. */
function errorPath(e: ErrorObject): Path {
  const path: Path = e.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  if (e.keyword === "required") path.push(e.params.missingProperty);
  if (e.keyword === "propertyNames") path.push(e.params.propertyName);
  else if (e.propertyName !== undefined) path.push(e.propertyName);
  return path;
}

function jsonPaths(errors: ErrorObject[] | null | undefined): string[] {
  return deepest((errors ?? []).map(errorPath));
}

/** The keywords whose message an editor replaces: errorMessage, patternErrorMessage for a pattern. */
const REPLACED = new Set(["type", "enum", "const", "pattern"]);
/** Keywords that only gather their subschemas' errors. */
const GATHERING = new Set(["anyOf", "oneOf", "allOf", "if", "not", "propertyNames"]);

/**
 * What an editor says at each path, as VS Code's language service picks it: the schema's message
 * for each error there; of an anyOf's alternatives, those of the right type (a pattern it fails
 * rather than a type it is not). A path where an error has no such message (a missing key, a
 * list too short, a number out of range) says the editor's own words: undefined.
 */
function jsonMessages(errors: ErrorObject[] | null | undefined): Map<string, string[] | undefined> {
  const at = new Map<string, ErrorObject[]>();
  for (const e of errors ?? []) {
    if (GATHERING.has(e.keyword)) continue;
    const p = formatPath(errorPath(e));
    at.set(p, [...(at.get(p) ?? []), e]);
  }
  const out = new Map<string, string[] | undefined>();
  for (const [p, es] of at) {
    if (es.some((e) => !REPLACED.has(e.keyword))) {
      out.set(p, undefined);
      continue;
    }
    const typed = es.some((e) => e.keyword !== "type") ? es.filter((e) => e.keyword !== "type") : es;
    const texts = typed.map((e) =>
      e.keyword === "pattern"
        ? (e.parentSchema?.patternErrorMessage ?? e.parentSchema?.errorMessage)
        : e.parentSchema?.errorMessage,
    );
    out.set(p, [...new Set(texts.map((t) => t ?? `(no message: ${es.map((e) => e.message).join("; ")})`))]);
  }
  return out;
}

/**
 * The parser's message less what a static schema cannot know: the value it quotes first, the
 * unknown key and the nearest allowed one, what the file wrote instead ("got …").
 */
function staticText(message: string): string {
  return message
    .replace(/^'[^']*' (?=is )/, "")
    .replace(/^unknown field '[^']*'\./, "unknown field.")
    .replace(/ Did you mean '[^']*'\?/, "")
    .replace(/, got .*\.$/, ".")
    .replace(/ \(got \d+\)\.$/, ".");
}

/** The parser's checks whose message the editors' keywords cannot replace (see jsonMessages). */
const EDITORS_OWN = /^(is required|must have at least|must be between)/;

function nodeAt(value: unknown, p: Path): unknown {
  let node: any = value;
  for (const seg of p) node = node?.[seg];
  return node;
}

/** The path of a parser issue in the file (see parserPaths). */
function fileNode(value: unknown, p: Path): string {
  return parserPaths(value, [p])[0];
}

/**
 * Each of the parser's issues whose check the schema carries a message for has that message at its
 * path, and nothing else there; returns how many were compared.
 */
function assertSameMessages(
  value: unknown,
  issues: Issue[],
  errors: ErrorObject[] | null | undefined,
): number {
  const said = jsonMessages(errors);
  let compared = 0;
  for (const i of issues) {
    const where = fileNode(value, i.path);
    const expected = staticText(i.message);
    if (EDITORS_OWN.test(expected)) continue;
    const got = said.get(where);
    // A number where a port is read from one: its range is minimum/maximum, the editor's words.
    if (got === undefined && typeof nodeAt(value, inFile(value, i.path)) === "number") continue;
    assert.deepEqual(got, [expected], `${where}: the parser says "${i.message}"`);
    compared++;
  }
  return compared;
}

/**
 * The parser's paths, each the node in the file: a single value written where a list is allowed
 * is read as item 0 of a list, which the file does not have.
 */
function parserPaths(value: unknown, paths: Path[]): string[] {
  return deepest(paths.map((p) => inFile(value, p)));
}

function inFile(value: unknown, p: Path): Path {
  const last = p[p.length - 1];
  if (typeof last !== "number") return p;
  return Array.isArray(nodeAt(value, p.slice(0, -1))) ? p : p.slice(0, -1);
}

/** Leaves out a path another one goes below (an anyOf's own error above its branch's). */
function deepest(paths: Path[]): string[] {
  const texts = [...new Set(paths.map((p) => formatPath(p)))];
  return texts
    .filter((t) => !texts.some((o) => o !== t && (o.startsWith(t + ".") || o.startsWith(t + "["))))
    .sort();
}

const BASE = `resourceGroups: [{ name: rg-a, location: eastus }]
`;

/** Bad inputs, one or two problems each, covering every kind of check the schema makes. */
const BAD: Array<[string, string]> = [
  ["a misspelt key", `${BASE}virtualNetworks:\n  - name: v\n    adressPrefixes: [10.1.0.0/16]\n`],
  ["an unknown section", `${BASE}virtualNetwork: []\n`],
  ["no resourceGroups", `sites: []\n`],
  ["an empty required key", `resourceGroups:\n  - name: rg-a\n    location:\n`],
  ["a list that is empty", `resourceGroups: []\n`],
  ["a mapping where a list goes", `${BASE}sites: { name: dc }\n`],
  ["a list where a mapping goes", `${BASE}dns: [1]\n`],
  ["a list where a single value goes", `${BASE}sites: [{ name: [dc], addressPrefixes: 10.0.0.0/8 }]\n`],
  ["a number where a name goes", `${BASE}privateLinkScopes: [{ name: 12 }]\n`],
  ["an unknown region", `resourceGroups: [{ name: rg-a, location: moon }]\n`],
  [
    "an enum value that is none of them",
    `${BASE}hosts: [{ name: h, site: dc, ipAddress: 10.0.0.5, os: BeOS }]\n`,
  ],
  ["not an IPv4 address", `${BASE}hosts: [{ name: h, site: dc, ipAddress: 10.0.0.500, os: linux }]\n`],
  ["not a CIDR", `${BASE}sites: [{ name: dc, addressPrefixes: [10.0.0.0] }]\n`],
  ["a single bad CIDR", `${BASE}sites: [{ name: dc, addressPrefixes: 10.0.0.0/33 }]\n`],
  ["a name with a bad character", `${BASE}sites: [{ name: "dc!", addressPrefixes: 10.0.0.0/8 }]\n`],
  ["a name too long", `${BASE}sites: [{ name: ${"a".repeat(81)}, addressPrefixes: 10.0.0.0/8 }]\n`],
  [
    "an integer out of range, a fraction, a string",
    `${BASE}networkSecurityGroups:\n  - name: n\n    rules:\n      - { name: a, priority: 99, direction: Inbound, access: Allow }\n      - { name: b, priority: 100.5, direction: Inbound, access: Allow }\n      - { name: c, priority: high, direction: Inbound, access: Allow }\n`,
  ],
  [
    "ports and ranges",
    `${BASE}networkSecurityGroups:\n  - name: n\n    rules:\n      - { name: a, priority: 100, direction: Inbound, access: Allow, destinationPorts: [443, "70000", "1-2-3"], sourcePorts: 65536 }\n`,
  ],
  [
    "addresses and service tags",
    `${BASE}firewalls:\n  - site: dc\n    defaultAction: deny\n    rules:\n      - { name: r, priority: 100, action: Allow, destinationAddresses: ["10.0.0.300", "Azure-Cloud", AzureCloud], destinationPorts: "*" }\n`,
  ],
  [
    "a boolean written as a word",
    `${BASE}privateEndpoints: [{ name: p, subnet: s, privateLinkScope: x, manualApproval: maybe }]\n`,
  ],
  [
    "a TLS version",
    `${BASE}hosts: [{ name: h, site: dc, ipAddress: 10.0.0.5, os: Linux, maxTlsVersion: "2.0" }]\n`,
  ],
  [
    "a TLS version as a number",
    `${BASE}hosts: [{ name: h, site: dc, ipAddress: 10.0.0.5, os: Linux, maxTlsVersion: 1.4 }]\n`,
  ],
  ["a DNS name", `${BASE}privateDnsZones: [{ name: "privatelink..his.arc.azure.com" }]\n`],
  ["an agent version", `${BASE}machines: [{ name: m, agentVersion: "1.x" }]\n`],
  ["a machine's incoming port", `${BASE}machines: [{ name: m, incomingConnectionsPorts: [22, 0, "x"] }]\n`],
  [
    "an empty resolver",
    `${BASE}virtualNetworks: [{ name: v, addressPrefixes: 10.0.0.0/16, dnsServers: "" }]\n`,
  ],
  [
    "a record's type",
    `${BASE}privateDnsZones: [{ name: z.example, records: [{ name: a, type: MX, values: [x] }] }]\n`,
  ],
  ["a list item that is null", `${BASE}sites: [{ name: dc, addressPrefixes: [10.0.0.0/8, null] }]\n`],
  [
    "a TLS inspection without its CA",
    `${BASE}proxies: [{ name: p, site: dc, ipAddress: 10.0.0.9, port: 3128, tlsInspection: { excludedFqdns: "*.his.arc.azure.com" } }]\n`,
  ],
];

/** Valid for JSON Schema, refused by the parser: what a pattern cannot say. */
const ONLY_THE_PARSER: Array<[string, string, RegExp]> = [
  [
    "host bits in a prefix",
    `${BASE}sites: [{ name: dc, addressPrefixes: 192.168.0.1/24 }]\n`,
    /host bits set/,
  ],
  [
    "a port range whose low end is above its high end",
    `${BASE}networkSecurityGroups: [{ name: n, rules: [{ name: a, priority: 100, direction: Inbound, access: Allow, destinationPorts: "90-80" }] }]\n`,
    /is not '\*', a port, or a range/,
  ],
  [
    "a time Date.parse cannot read",
    `${BASE}privateLinkScopes: [{ name: s }]\nmachines: [{ name: m, privateLinkScope: s, associatedAt: yesterday }]\n`,
    /is not an ISO 8601 time/,
  ],
  [
    "a reference that names nothing (a rule between sections)",
    `${BASE}hosts: [{ name: h, site: nowhere, ipAddress: 10.0.0.5, os: Linux }]\n`,
    /no sites entry is named 'nowhere'/,
  ],
];

describe("the topology file's JSON Schema", () => {
  it("schemas/*.schema.json are what `arclink schema topology | onprem` prints", async () => {
    for (const [word, file] of [
      ["topology", "topology.schema.json"],
      ["onprem", "onprem.schema.json"],
    ]) {
      const r = await arclink(["schema", word], { cwd: ROOT });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, committed(file), `schemas/${file} is stale: run npm run schemas`);
    }
  });

  it("every example names it on its first line (yaml-language-server), and it accepts them", () => {
    const examples = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".yaml"));
    assert.ok(examples.length >= 4, examples.join(", "));
    for (const f of examples) {
      const text = readFileSync(join(ROOT, "examples", f), "utf8");
      assert.equal(text.split("\n")[0], "# yaml-language-server: $schema=../schemas/topology.schema.json", f);
      assert.deepEqual(parseTopology(text).issues, [], f);
      assert.ok(topologyJson(parse(text)), `${f}: ${JSON.stringify(topologyJson.errors)}`);
    }
  });

  it("accepts the test fixtures: topologies, and lint's on-premises facts", () => {
    const fixtures = join(ROOT, "test/fixtures");
    for (const f of readdirSync(fixtures).filter((x) => x.endsWith(".yaml"))) {
      const text = readFileSync(join(fixtures, f), "utf8");
      assert.deepEqual(parseTopology(text).issues, [], f);
      assert.ok(topologyJson(parse(text)), `${f}: ${JSON.stringify(topologyJson.errors)}`);
    }
    for (const f of ["export/onprem.yaml", "export/two-scopes-onprem.yaml", "native/onprem.yaml"]) {
      const value = parse(readFileSync(join(fixtures, f), "utf8"));
      assert.ok(onpremJson(value), `${f}: ${JSON.stringify(onpremJson.errors)}`);
    }
  });

  let compared = 0;
  for (const [what, text] of BAD)
    it(`refuses ${what} where the parser does, in its words`, () => {
      const value = parse(text);
      const r = parseTopology(text);
      assert.ok(r.issues.length > 0, `the parser accepts ${what}`);
      assert.equal(topologyJson(value), false, `JSON Schema accepts ${what}`);
      assert.deepEqual(
        jsonPaths(topologyJson.errors),
        parserPaths(
          value,
          r.issues.map((i) => i.path),
        ),
        r.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("\n"),
      );
      compared += assertSameMessages(value, r.issues, topologyJson.errors);
    });

  it("says most of the bad inputs' messages in the parser's words", () => {
    assert.equal(compared, 28, "messages compared");
  });

  for (const [what, text, message] of ONLY_THE_PARSER)
    it(`leaves ${what} to the parser`, () => {
      assert.ok(topologyJson(parse(text)), JSON.stringify(topologyJson.errors));
      const r = parseTopology(text);
      assert.ok(
        r.issues.some((i) => message.test(i.message)),
        r.issues.map((i) => i.message).join("\n"),
      );
    });

  it("the on-premises schema refuses Azure sections and the wrong kind of pointer", () => {
    const value = parse(
      "virtualNetworks: []\ndnsServers:\n  - { name: d, site: s, ipAddress: 10.0.0.1, windowsDns: { zones: z.json, records: { z.example: 1 } } }\nhosts:\n  - { name: h, site: s, ipAddress: 10.0.0.2, os: Linux, agentShow: 7 }\n",
    );
    assert.equal(onpremJson(value), false);
    assert.deepEqual(jsonPaths(onpremJson.errors), [
      "dnsServers[0].windowsDns.records.z.example",
      "hosts[0].agentShow",
      "virtualNetworks",
    ]);
    // In the words of the validator that declares it (the sections' checks are the topology's).
    const issues: Issue[] = [];
    validate(value, ONPREM_SCHEMA, [], issues);
    assert.equal(issues.length, 3);
    assert.equal(assertSameMessages(value, issues, onpremJson.errors), 3);
  });

  it("the validator's value has the schema's type", () => {
    const issues: never[] = [];
    const t = validate(
      parse(`${BASE}hosts: [{ name: h, site: dc, ipAddress: 10.0.0.5, os: linux }]\n`),
      TOPOLOGY_SCHEMA,
      [],
      issues,
    );
    assert.deepEqual(issues, []);
    const os: Infer<typeof HOST>["os"] = t.hosts![0].os;
    assert.equal(os, "Linux", "the enum's declared spelling");
    // @ts-expect-error: an os the schema does not list is not of its type
    const bad: Infer<typeof HOST>["os"] = "BeOS";
    assert.ok(bad);
    assert.deepEqual(Object.keys(ONPREM_SCHEMA.properties), [
      "description",
      "resourceGroups",
      "sites",
      "siteConnections",
      "dnsServers",
      "hosts",
      "firewalls",
      "proxies",
    ]);
  });
});
