// On-premises facts for an export: a YAML file in the topology file's format holding only what
// Azure cannot export (sites, siteConnections, dnsServers, hosts, firewalls, proxies). Its
// references to Azure resources (a site connection's virtualNetwork, a forwarder's
// 'resolver/inbound' target) name the exported resources: the exported VNets and DNS resolvers
// are added to the file as declarations before it is validated and planned, and only the
// on-premises resources' writes are applied (through the real providers).
// Entries may point at the servers' own files instead of restating them (paths relative to the
// YAML file): a DNS server's `bind: named.conf`, `unbound: unbound.conf` or `windowsDns: {zones,
// forwarders, records: {zone: file}}`; a host's `hostsFilePath: file`, `agentShow: file`
// (azcmagent show -j) and `agentCheck: file` (azcmagent check -j).
import { dirname, isAbsolute, join } from "node:path";
import { keyOf, parseResourceId } from "../../core/resourceId.js";
import { createRegistry } from "../../providers/index.js";
import { LAB_NAMESPACE } from "../../providers/lab/common.js";
import { parseHostsFile } from "../../providers/lab/hostsFile.js";
import { StoredResource } from "../../store/store.js";
import { TopologyError, checkTopology } from "../../topology/parse.js";
import { plan, PlanStep } from "../../topology/plan.js";
import { yamlLines } from "../lint/yamlLines.js";
import { AgentEvidence, readAgentCheck, readAgentShow } from "./azcmagent.js";
import { ExportError, InputNote, SourceMap } from "./azure.js";
import { readNamedConf, ReadFile } from "./bind.js";
import { DnsServerFacts } from "./dnsFacts.js";
import { fileReader } from "./files.js";
import { DNS_SERVER_FILES, ONPREM_SECTIONS } from "./onpremSchema.js";
import { readUnboundConf } from "./unbound.js";
import { readWindowsDns, WindowsDnsFiles } from "./windowsDns.js";

/** A host's agent evidence, with what ARM said where the two can differ. */
export interface HostEvidence extends AgentEvidence {
  /** The machine the evidence was matched to, and the agent version ARM reported for it. */
  machineId?: string;
  armAgentVersion?: string;
}

export interface OnpremResult {
  steps: PlanStep[];
  subscriptionId: string;
  /** Lower-cased host name → the evidence its agent gave. */
  evidence: Map<string, HostEvidence>;
  notes: InputNote[];
  /** Where each on-premises resource is declared (a DNS server read from its own files: that file). */
  locations: SourceMap;
}

let onprem: Map<string, string> | undefined;

/**
 * The topology file's on-premises lists, each with its type: those of the lab types the network
 * model reads (a lab type that declares both a model section and a topology list).
 */
function onpremSections(): Map<string, string> {
  if (onprem) return onprem;
  onprem = new Map(
    createRegistry()
      .allTypes()
      .filter((t) => t.type.startsWith(`${LAB_NAMESPACE}/`) && t.model && t.topology)
      .map((t) => [t.topology!.section, t.type]),
  );
  // The published schema (arclink schema onprem) and the lab types' declarations must agree.
  const declared = [...onprem.keys()].sort().join(", ");
  const published = [...ONPREM_SECTIONS].sort().join(", ");
  if (declared !== published)
    throw new Error(
      `The on-premises schema's sections (${published}) differ from the lab types that declare a topology list (${declared}): update src/analysis/export/onpremSchema.ts.`,
    );
  return onprem;
}

/** Reads the files the on-premises facts point at into the entries themselves. */
function readPointedFiles(
  raw: Record<string, any>,
  file: string,
  lineOf: (p: Array<string | number>) => number | undefined,
  exported: StoredResource[],
  read: ReadFile,
): { evidence: Map<string, HostEvidence>; notes: InputNote[]; dnsFiles: Map<number, DnsServerFacts> } {
  const notes: InputNote[] = [];
  const evidence = new Map<string, HostEvidence>();
  const dnsFiles = new Map<number, DnsServerFacts>();
  const rel = (p: unknown, path: Array<string | number>): string => {
    if (typeof p !== "string" || !p)
      throw ExportError.at(
        file,
        lineOf(path),
        `${path.join(".")} must be a file path (relative to ${file}).`,
      );
    return isAbsolute(p) ? p : join(dirname(file), p);
  };
  (Array.isArray(raw.dnsServers) ? raw.dnsServers : []).forEach((d: any, i: number) => {
    if (!d || typeof d !== "object") return;
    const kinds = Object.keys(DNS_SERVER_FILES).filter((k) => d[k] !== undefined);
    if (!kinds.length) return;
    const at = (k: string) => ["dnsServers", i, k];
    if (kinds.length > 1)
      throw ExportError.at(
        file,
        lineOf(at(kinds[1])),
        `a DNS server is one of bind, unbound or windowsDns, not ${kinds.join(" and ")}.`,
      );
    const k = kinds[0];
    const restated = ["zones", "conditionalForwarders", "forwarders"].filter((x) => d[x] !== undefined);
    if (restated.length)
      throw ExportError.at(
        file,
        lineOf(at(restated[0])),
        `${restated.join(", ")} come from the server's own files (${k}); leave them out here.`,
      );
    let r: { facts: DnsServerFacts; notes: InputNote[] };
    if (k === "bind") r = readNamedConf(rel(d.bind, at("bind")), read);
    else if (k === "unbound") r = readUnboundConf(rel(d.unbound, at("unbound")), read);
    else {
      const w = d.windowsDns;
      if (!w || typeof w !== "object" || Array.isArray(w))
        throw ExportError.at(
          file,
          lineOf(at(k)),
          "windowsDns is {zones: file, forwarders: file, records: {zone: file}}.",
        );
      const unknownKeys = Object.keys(w).filter((x) => !(x in DNS_SERVER_FILES.windowsDns.properties));
      if (unknownKeys.length)
        throw ExportError.at(
          file,
          lineOf([...at(k), unknownKeys[0]]),
          `windowsDns has zones, forwarders and records, not ${unknownKeys[0]}.`,
        );
      const files: WindowsDnsFiles = {
        ...(w.zones !== undefined ? { zones: rel(w.zones, [...at(k), "zones"]) } : {}),
        ...(w.forwarders !== undefined ? { forwarders: rel(w.forwarders, [...at(k), "forwarders"]) } : {}),
        ...(w.records !== undefined
          ? {
              records: Object.fromEntries(
                Object.entries(w.records ?? {}).map(([z, f]) => [z, rel(f, [...at(k), "records", z])]),
              ),
            }
          : {}),
      };
      r = readWindowsDns(files, read, file);
    }
    notes.push(...r.notes);
    dnsFiles.set(i, r.facts);
    delete d[k];
    d.zones = r.facts.zones;
    d.conditionalForwarders = r.facts.conditionalForwarders;
    d.forwarders = r.facts.forwarders;
    if (r.facts.recursion !== undefined && d.recursion === undefined) d.recursion = r.facts.recursion;
  });
  const machines = exported.filter((m) => m.type.toLowerCase() === "microsoft.hybridcompute/machines");
  (Array.isArray(raw.hosts) ? raw.hosts : []).forEach((h: any, i: number) => {
    if (!h || typeof h !== "object") return;
    const at = (k: string) => ["hosts", i, k];
    if (h.hostsFilePath !== undefined) {
      if (h.hostsFile !== undefined)
        throw ExportError.at(
          file,
          lineOf(at("hostsFile")),
          "give hostsFile (the text) or hostsFilePath (the file), not both.",
        );
      const p = rel(h.hostsFilePath, at("hostsFilePath"));
      const text = read(p);
      if (text === undefined)
        throw ExportError.at(file, lineOf(at("hostsFilePath")), `cannot read the hosts file ${p}.`);
      const bad = parseHostsFile(text).errors;
      if (bad.length) throw ExportError.at(p, bad[0].line, bad[0].message.replace(/^line \d+: /, ""));
      h.hostsFile = text;
      delete h.hostsFilePath;
    }
    if (h.agentShow === undefined && h.agentCheck === undefined) return;
    const ev: HostEvidence = {};
    if (h.agentShow !== undefined) ev.show = readAgentShow(rel(h.agentShow, at("agentShow")), read);
    if (h.agentCheck !== undefined) ev.check = readAgentCheck(rel(h.agentCheck, at("agentCheck")), read);
    delete h.agentShow;
    delete h.agentCheck;
    const s = ev.show;
    if (s?.httpsProxy !== undefined) {
      if (h.proxyUrl !== undefined && h.proxyUrl !== s.httpsProxy)
        notes.push({
          file: s.file,
          line: s.line,
          message: `${h.name}: the agent uses proxy '${s.httpsProxy || "(none)"}', the on-premises facts say '${h.proxyUrl}': the agent's is what it uses, so that is the one linted.`,
        });
      if (s.httpsProxy === "") delete h.proxyUrl;
      else h.proxyUrl = s.httpsProxy;
    }
    // The machine: the one the agent names, else the one named as the host.
    const name = String(h.name ?? "").toLowerCase();
    const m =
      (s?.resourceId && machines.find((x) => keyOf(x.id) === keyOf(s.resourceId!))) ||
      (s?.resourceName &&
        machines.find((x) => String(x.body.name).toLowerCase() === s.resourceName!.toLowerCase())) ||
      machines.find((x) => String(x.body.name).toLowerCase() === name);
    if (m) {
      ev.machineId = m.id;
      const arm = m.body.properties?.agentVersion;
      if (typeof arm === "string") ev.armAgentVersion = arm;
      if (s?.agentVersion && s.agentVersion !== arm) {
        // What the agent says it runs is what connects; ARM's copy may lag behind an upgrade.
        m.body = { ...m.body, properties: { ...(m.body.properties ?? {}), agentVersion: s.agentVersion } };
      }
    } else if (s?.agentVersion)
      notes.push({
        file: s.file,
        line: s.line,
        message: `${h.name}: the export has no Arc machine for this host, so the agent's version ${s.agentVersion} is not used.`,
      });
    evidence.set(name, ev);
  });
  return { evidence, notes, dnsFiles };
}

export function onpremSteps(
  text: string,
  file: string,
  exported: StoredResource[],
  read: ReadFile = fileReader(),
): OnpremResult {
  const y = yamlLines(text);
  if (y.value === undefined || typeof y.value !== "object" || Array.isArray(y.value))
    throw new TopologyError(
      [
        {
          path: [],
          message: "the on-premises facts must be a YAML mapping (sites, dnsServers, hosts, ...).",
        },
      ],
      file,
    );
  const raw = structuredClone(y.value) as Record<string, any>;
  const sections = onpremSections();
  const unknown = Object.keys(raw).filter(
    (k) => !sections.has(k) && k !== "description" && k !== "resourceGroups",
  );
  if (unknown.length)
    throw new TopologyError(
      unknown.map((k) => ({
        path: [k],
        line: y.lineOf([k]),
        message: `is not an on-premises section; Azure resources come from the export (allowed: ${[...sections.keys()].join(", ")}, resourceGroups).`,
      })),
      file,
    );
  const pointed = readPointedFiles(raw, file, (p) => y.lineOf(p), exported, read);
  const vnets = exported.filter((r) => r.type.toLowerCase() === "microsoft.network/virtualnetworks");
  const sub =
    parseResourceId(vnets[0]?.id ?? exported[0]?.id ?? "")?.subscription ??
    "00000000-0000-0000-0000-000000000000";
  const groups = exported.filter((r) => r.type === "Microsoft.Resources/resourceGroups");
  raw.resourceGroups = [
    ...(Array.isArray(raw.resourceGroups) ? raw.resourceGroups : []),
    ...groups
      .filter(
        (g) =>
          !(raw.resourceGroups ?? []).some(
            (x: any) => String(x?.name).toLowerCase() === g.body.name.toLowerCase(),
          ),
      )
      .map((g) => ({ name: g.body.name, location: g.body.location ?? "eastus" })),
  ];
  if (!raw.resourceGroups.length) raw.resourceGroups = [{ name: "onprem", location: "eastus" }];
  const children = (id: string, type: string) =>
    exported.filter(
      (r) =>
        r.type.toLowerCase() === type.toLowerCase() && r.id.toLowerCase().startsWith(id.toLowerCase() + "/"),
    );
  raw.virtualNetworks = vnets.map((v) => ({
    name: v.body.name,
    resourceGroup: parseResourceId(v.id)!.resourceGroup,
    location: v.body.location,
    addressPrefixes: v.body.properties?.addressSpace?.addressPrefixes ?? [],
    subnets: children(v.id, "Microsoft.Network/virtualNetworks/subnets").map((s) => ({
      name: s.body.name,
      addressPrefix: s.body.properties?.addressPrefix ?? s.body.properties?.addressPrefixes?.[0],
    })),
  }));
  raw.dnsResolvers = exported
    .filter((r) => r.type.toLowerCase() === "microsoft.network/dnsresolvers")
    .flatMap((d) => {
      const vnet = vnets.find(
        (v) => v.id.toLowerCase() === String(d.body.properties?.virtualNetwork?.id).toLowerCase(),
      );
      if (!vnet) return [];
      return [
        {
          name: d.body.name,
          resourceGroup: parseResourceId(d.id)!.resourceGroup,
          location: d.body.location,
          virtualNetwork: vnet.body.name,
          inboundEndpoints: children(d.id, "Microsoft.Network/dnsResolvers/inboundEndpoints").flatMap((e) => {
            const ipc = e.body.properties?.ipConfigurations?.[0];
            const subnet = String(ipc?.subnet?.id ?? "")
              .split("/")
              .pop();
            return subnet
              ? [
                  {
                    name: e.body.name,
                    subnet: `${vnet.body.name}/${subnet}`,
                    ...(ipc?.privateIpAddress ? { privateIPAddress: ipc.privateIpAddress } : {}),
                  },
                ]
              : [];
          }),
        },
      ];
    });
  const r = checkTopology(raw, (p) => y.lineOf(p));
  if (!r.topology) throw new TopologyError(r.issues, file);
  const p = plan(r.topology, { subscriptionId: sub });
  const have = new Set(exported.map((x) => x.id.toLowerCase()));
  const steps = p.steps.filter(
    (s) =>
      s.type.startsWith("ArcLink.Lab/") ||
      (s.type === "Microsoft.Resources/resourceGroups" && !have.has(s.id.toLowerCase())),
  );
  // Proxy bypass from the agent's own settings (the topology format has no key for it).
  for (const st of steps) {
    if (st.type !== "ArcLink.Lab/hosts") continue;
    const bypass = pointed.evidence.get(st.name.toLowerCase())?.show?.proxyBypass;
    if (bypass?.length) st.body = { ...st.body, properties: { ...st.body.properties, proxyBypass: bypass } };
  }
  const locations: SourceMap = new Map();
  const stepOf = new Map(steps.map((x) => [`${x.type}|${x.name.toLowerCase()}`, x]));
  for (const [section, type] of sections) {
    const list = Array.isArray(raw[section]) ? raw[section] : [];
    list.forEach((e: any, i: number) => {
      const name = String(e?.name ?? (section === "firewalls" ? `${e?.site}-firewall` : "")).toLowerCase();
      const st = stepOf.get(`${type}|${name}`);
      if (!st) return;
      const facts = section === "dnsServers" ? pointed.dnsFiles.get(i) : undefined;
      const line = facts ? facts.line : y.lineOf([section, i]);
      if (line) locations.set(keyOf(st.id), { file: facts ? facts.file : file, line });
    });
  }
  return { steps, subscriptionId: sub, evidence: pointed.evidence, notes: pointed.notes, locations };
}
