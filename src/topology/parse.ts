// Reads a topology file (YAML): syntax, then the schema (schema.ts), then the references and the
// rules that span sections (a subnet inside its VNet, an address inside its site, one firewall
// per site, ...). Every problem is reported with its path and, when known, its line.
import { isIPv4, isIPv6 } from "node:net";
import { isMap, isSeq, LineCounter, Node, parseDocument } from "yaml";
import {
  Cidr,
  cidrContains,
  cidrContainsIp,
  cidrsOverlap,
  formatIpv4,
  parseCidr,
  parseIpv4,
} from "../core/ip.js";
import {
  SubnetRef,
  TDnsServer,
  TFirewall,
  THost,
  TListener,
  Topology,
  TPeering,
  TPlacement,
  TRecord,
  TVirtualNetwork,
} from "./model.js";
import { readPlainYaml } from "./yamlLines.js";
import { formatPath, Issue, Path, TOPOLOGY_SCHEMA, TopologyInput, validate } from "./schema.js";

export class TopologyError extends Error {
  constructor(
    readonly issues: Issue[],
    readonly file?: string,
  ) {
    super(issues.map((i) => formatIssue(i, file)).join("\n"));
    this.name = "TopologyError";
  }
}

/** "file:12: virtualNetworks[0].subnets[1].addressPrefix: message" */
export function formatIssue(i: Issue, file?: string): string {
  const where = file
    ? [file, i.line].filter((x) => x !== undefined).join(":")
    : i.line
      ? `line ${i.line}`
      : "";
  return `${where ? where + ": " : ""}${formatPath(i.path)}: ${i.message}`;
}

export interface ParseResult {
  topology?: Topology;
  issues: Issue[];
}

/** Parses and validates a topology file's text. `topology` is set only when there are no issues. */
export function parseTopology(text: string): ParseResult {
  // The plain subset most files are written in is read by its own line reader (the same value and
  // lines, a fraction of the time); anything else, errors included, by the `yaml` package.
  const plain = readPlainYaml(text);
  if (plain) return checkTopology(plain.value ?? {}, (path) => plain.lineOf(path));
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      issues: doc.errors.map((e) => ({
        path: [],
        line: e.linePos?.[0]?.line,
        message: `YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}.`,
      })),
    };
  }
  const value = doc.toJS({ maxAliasCount: 100 });
  return checkTopology(value ?? {}, (path) => lineOf(doc.contents, path, lineCounter));
}

/** Validates an already-parsed value (JSON or YAML) as a topology. */
export function checkTopology(
  value: unknown,
  lineOfPath: (p: Path) => number | undefined = () => undefined,
): ParseResult {
  const issues: Issue[] = [];
  const raw = validate(value, TOPOLOGY_SCHEMA, [], issues);
  let topology: Topology | undefined;
  if (issues.length === 0) topology = new Builder(raw, issues).build();
  for (const i of issues) i.line ??= lineOfPath(i.path);
  return issues.length ? { issues } : { topology, issues };
}

/** Throws TopologyError when the text is not a valid topology. */
export function loadTopology(text: string, file?: string): Topology {
  const r = parseTopology(text);
  if (!r.topology) throw new TopologyError(r.issues, file);
  return r.topology;
}

/** The line of the deepest node on `path` (the key's line when the value is missing). */
function lineOf(root: unknown, path: Path, lc: LineCounter): number | undefined {
  let node: unknown = root;
  let line: number | undefined = startLine(node, lc);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as any)?.value === seg);
      if (!pair) break;
      line = startLine(pair.key, lc) ?? line;
      node = pair.value;
      line = startLine(node, lc) ?? line;
    } else if (isSeq(node) && typeof seg === "number") {
      node = node.items[seg];
      line = startLine(node, lc) ?? line;
    } else break;
  }
  return line;
}

function startLine(n: unknown, lc: LineCounter): number | undefined {
  const r = (n as Node | undefined)?.range;
  return r ? lc.linePos(r[0]).line : undefined;
}

// ---- Cross-section rules ----------------------------------------------------------------------

interface Claim {
  ip: string;
  path: Path;
  what: string;
}

/** What a resolver reference (a DNS server's name, an inbound endpoint) is looked up in. */
interface ResolverNames {
  servers: NonNullable<TopologyInput["dnsServers"]>;
  t: Topology;
}

class Builder {
  private readonly rgs = new Map<string, { name: string; location: string }>();
  private defaultRg = "";
  /** Address space → address → who claimed it (one map lookup per claim, not a scan). */
  private readonly claims = new Map<string, Map<string, Claim>>();

  constructor(
    private readonly raw: TopologyInput,
    private readonly issues: Issue[],
  ) {}

  private at(path: Path, message: string): void {
    this.issues.push({ path, message });
  }

  build(): Topology {
    const r = this.raw;
    this.readResourceGroups();

    const t: Topology = {
      description: r.description,
      resourceGroups: r.resourceGroups,
      virtualNetworks: [],
      networkSecurityGroups: [],
      peerings: [],
      privateLinkScopes: [],
      privateEndpoints: [],
      privateDnsZones: [],
      dnsResolvers: [],
      sites: [],
      siteConnections: [],
      dnsServers: [],
      hosts: [],
      firewalls: [],
      proxies: [],
      machines: [],
      dns: { listeners: [] },
    };

    // Names are unique per section: the file refers to things by them.
    const sections = [
      "virtualNetworks",
      "networkSecurityGroups",
      "privateLinkScopes",
      "privateEndpoints",
      "privateDnsZones",
      "dnsResolvers",
      "sites",
      "siteConnections",
      "dnsServers",
      "hosts",
      "firewalls",
      "proxies",
      "machines",
    ] as const;
    for (const s of sections) this.unique(list<{ name?: string }>(r[s]), [s], (x) => x.name, "name");

    this.readNetworkSecurityGroups(t);
    this.readVirtualNetworks(t);
    this.readPrivateLinkScopes(t);
    this.readPrivateDnsZones(t);
    this.readDnsResolvers(t);
    this.readPrivateEndpoints(t);
    this.readPeerings(t);
    this.readSites(t);
    this.readSiteConnections(t);
    this.readProxies(t);
    const names = this.readDnsServers(t);
    this.resolveVirtualNetworkDnsServers(t, names);
    this.readHosts(t, names);
    this.readFirewalls(t);
    this.readMachines(t);
    this.readListeners(t);
    return t;
  }

  /** The resource groups, and the default one (the first). */
  private readResourceGroups(): void {
    const r = this.raw;
    r.resourceGroups.forEach((g, i) => {
      if (this.rgs.has(g.name.toLowerCase()))
        this.at(["resourceGroups", i, "name"], `resource group '${g.name}' is declared twice.`);
      this.rgs.set(g.name.toLowerCase(), g);
    });
    this.defaultRg = r.resourceGroups[0].name;
  }

  /** Network security groups and their rules (priorities unique per direction). */
  private readNetworkSecurityGroups(t: Topology): void {
    const r = this.raw;
    t.networkSecurityGroups = list(r.networkSecurityGroups).map((n, i) => {
      const path = ["networkSecurityGroups", i];
      const rules = list(n.rules).map((x) => ({
        name: x.name,
        priority: x.priority,
        direction: x.direction,
        access: x.access,
        protocol: x.protocol ?? "*",
        source: x.source ?? ["*"],
        sourcePorts: x.sourcePorts ?? ["*"],
        destination: x.destination ?? ["*"],
        destinationPorts: x.destinationPorts ?? ["*"],
        ...(x.description !== undefined ? { description: x.description } : {}),
      }));
      this.unique(rules, [...path, "rules"], (x) => x.name, "name");
      this.unique(
        rules,
        [...path, "rules"],
        (x) => `${x.direction}:${x.priority}`,
        "priority",
        (x) =>
          `priority ${x.priority} is already used by another ${x.direction} rule; priorities must be unique per direction.`,
      );
      return { name: n.name, ...this.placed(n, path), rules };
    });
  }

  /** Virtual networks: prefixes, subnets inside them, subnets' NSGs. */
  private readVirtualNetworks(t: Topology): void {
    const r = this.raw;
    const nsgNames = new Set(t.networkSecurityGroups.map((n) => n.name.toLowerCase()));

    t.virtualNetworks = list(r.virtualNetworks).map((v, i) => {
      const path = ["virtualNetworks", i];
      const prefixes: Cidr[] = v.addressPrefixes.map((p: string) => parseCidr(p)!);
      this.noOverlap(prefixes, [...path, "addressPrefixes"], "the virtual network's prefixes");
      const subnets = list(v.subnets).map((s, j) => {
        const sp = [...path, "subnets", j];
        const c = parseCidr(s.addressPrefix)!;
        if (!prefixes.some((p) => cidrContains(p, c))) {
          this.at(
            [...sp, "addressPrefix"],
            `${s.addressPrefix} is not inside the virtual network's address space (${v.addressPrefixes.join(", ")}).`,
          );
        }
        if (s.networkSecurityGroup && !nsgNames.has(s.networkSecurityGroup.toLowerCase())) {
          this.at(
            [...sp, "networkSecurityGroup"],
            `no networkSecurityGroups entry is named '${s.networkSecurityGroup}'.`,
          );
        }
        return { ...s };
      });
      this.unique(subnets, [...path, "subnets"], (s) => s.name, "name");
      this.noOverlap(
        subnets.map((s) => parseCidr(s.addressPrefix)!),
        [...path, "subnets"],
        "subnets",
        "addressPrefix",
      );
      return {
        name: v.name,
        ...this.placed(v, path),
        addressPrefixes: v.addressPrefixes,
        dnsServers: v.dnsServers ?? [],
        subnets,
      };
    });
  }

  /** Azure Arc Private Link Scopes. */
  private readPrivateLinkScopes(t: Topology): void {
    const r = this.raw;
    t.privateLinkScopes = list(r.privateLinkScopes).map((s, i) => ({
      name: s.name,
      ...this.placed(s, ["privateLinkScopes", i]),
      publicNetworkAccess: s.publicNetworkAccess ?? "Disabled",
    }));
  }

  /** Private DNS zones: records and virtual network links. */
  private readPrivateDnsZones(t: Topology): void {
    const r = this.raw;
    t.privateDnsZones = list(r.privateDnsZones).map((z, i) => {
      const path = ["privateDnsZones", i];
      const links = list(z.virtualNetworkLinks).map((l, j) => {
        const v = this.vnet(t, l.virtualNetwork, [...path, "virtualNetworkLinks", j, "virtualNetwork"]);
        return {
          name: l.name ?? `${v?.name ?? l.virtualNetwork}-link`,
          virtualNetwork: v?.name ?? l.virtualNetwork,
          registrationEnabled: l.registrationEnabled ?? false,
          resolutionPolicy: l.resolutionPolicy ?? "Default",
        };
      });
      this.unique(links, [...path, "virtualNetworkLinks"], (l) => l.name, "name");
      this.unique(
        links,
        [...path, "virtualNetworkLinks"],
        (l) => l.virtualNetwork,
        "virtualNetwork",
        (l) =>
          `the zone is already linked to '${l.virtualNetwork}'; a zone has one link per virtual network.`,
      );
      return {
        name: z.name,
        resourceGroup: this.group(z, path),
        records: this.records(z.records, [...path, "records"]),
        virtualNetworkLinks: links,
      };
    });
    this.unique(t.privateDnsZones, ["privateDnsZones"], (z) => z.name, "name");
  }

  /** DNS private resolvers and their inbound endpoints (one resolver per virtual network). */
  private readDnsResolvers(t: Topology): void {
    const r = this.raw;
    t.dnsResolvers = list(r.dnsResolvers).map((d, i) => {
      const path = ["dnsResolvers", i];
      const vnet = this.vnet(t, d.virtualNetwork, [...path, "virtualNetwork"]);
      const inboundEndpoints = list(d.inboundEndpoints).map((e, j) => {
        const ep = [...path, "inboundEndpoints", j];
        const subnet = this.subnet(t, e.subnet, [...ep, "subnet"], vnet?.name);
        if (e.privateIPAddress && subnet)
          this.claimInSubnet(
            t,
            subnet,
            e.privateIPAddress,
            [...ep, "privateIPAddress"],
            `inbound endpoint ${d.name}/${e.name}`,
          );
        return {
          name: e.name,
          subnet: subnet ?? { virtualNetwork: "", subnet: "" },
          ...(e.privateIPAddress ? { privateIPAddress: e.privateIPAddress } : {}),
        };
      });
      this.unique(inboundEndpoints, [...path, "inboundEndpoints"], (e) => e.name, "name");
      return {
        name: d.name,
        resourceGroup: this.group(d, path),
        location: d.location ?? vnet?.location ?? this.rgLocation(d),
        virtualNetwork: d.virtualNetwork,
        inboundEndpoints,
      };
    });
    this.unique(
      t.dnsResolvers,
      ["dnsResolvers"],
      (d) => d.virtualNetwork,
      "virtualNetwork",
      (d) =>
        `virtual network '${d.virtualNetwork}' already has a DNS resolver; a virtual network has at most one.`,
    );
  }

  /** Private endpoints: subnet, scope and DNS zone group. */
  private readPrivateEndpoints(t: Topology): void {
    const r = this.raw;
    t.privateEndpoints = list(r.privateEndpoints).map((p, i) => {
      const path = ["privateEndpoints", i];
      const subnet = this.subnet(t, p.subnet, [...path, "subnet"]);
      if (!t.privateLinkScopes.some((s) => s.name.toLowerCase() === p.privateLinkScope.toLowerCase())) {
        this.at(
          [...path, "privateLinkScope"],
          `no privateLinkScopes entry is named '${p.privateLinkScope}'.`,
        );
      }
      let group: { name: string; zones: string[] } | undefined;
      if (p.privateDnsZoneGroup) {
        group = { name: p.privateDnsZoneGroup.name ?? "default", zones: p.privateDnsZoneGroup.zones };
        group.zones.forEach((z, j) => {
          if (!t.privateDnsZones.some((x) => x.name === z)) {
            this.at(
              [...path, "privateDnsZoneGroup", "zones", j],
              `zone '${z}' is not declared under privateDnsZones; declare it there (and link it to the virtual network).`,
            );
          }
        });
      }
      const vnet = subnet ? t.virtualNetworks.find((v) => v.name === subnet.virtualNetwork) : undefined;
      return {
        name: p.name,
        resourceGroup: this.group(p, path),
        location: p.location ?? vnet?.location ?? this.rgLocation(p),
        subnet: subnet ?? { virtualNetwork: "", subnet: "" },
        privateLinkScope: p.privateLinkScope,
        manualApproval: p.manualApproval ?? false,
        ...(p.requestMessage !== undefined ? { requestMessage: p.requestMessage } : {}),
        ...(group ? { privateDnsZoneGroup: group } : {}),
      };
    });
  }

  /** Peerings, with the reverse one when bidirectional. */
  private readPeerings(t: Topology): void {
    const r = this.raw;
    t.peerings = [];
    list(r.peerings).forEach((p, i) => {
      const path = ["peerings", i];
      const from = this.vnet(t, p.from, [...path, "from"])?.name ?? p.from;
      const to = this.vnet(t, p.to, [...path, "to"])?.name ?? p.to;
      if (p.from.toLowerCase() === p.to.toLowerCase())
        this.at([...path, "to"], "a virtual network cannot peer with itself.");
      const base: Omit<TPeering, "name" | "from" | "to"> = {
        allowVirtualNetworkAccess: p.allowVirtualNetworkAccess ?? true,
        allowForwardedTraffic: p.allowForwardedTraffic ?? false,
        allowGatewayTransit: p.allowGatewayTransit ?? false,
        useRemoteGateways: p.useRemoteGateways ?? false,
      };
      t.peerings.push({ name: p.name ?? `${from}-to-${to}`, from, to, ...base });
      if (p.bidirectional ?? true) {
        t.peerings.push({
          name: `${to}-to-${from}`,
          from: to,
          to: from,
          ...base,
          allowGatewayTransit: base.useRemoteGateways,
          useRemoteGateways: base.allowGatewayTransit,
        });
      }
    });
    this.unique(
      t.peerings,
      ["peerings"],
      (p) => `${p.from}/${p.name}`.toLowerCase(),
      "name",
      (p) =>
        `peering '${p.name}' on '${p.from}' would be created twice (bidirectional peerings create the reverse one too).`,
    );
  }

  /** On-premises sites. */
  private readSites(t: Topology): void {
    const r = this.raw;
    t.sites = list(r.sites).map((s, i) => {
      const path = ["sites", i];
      this.noOverlap(
        s.addressPrefixes.map((p: string) => parseCidr(p)!),
        [...path, "addressPrefixes"],
        "the site's prefixes",
      );
      return {
        name: s.name,
        resourceGroup: this.group(s, path),
        addressPrefixes: s.addressPrefixes,
        ...(s.description !== undefined ? { description: s.description } : {}),
      };
    });
  }

  /** Site connections (VPN, ExpressRoute) between a site and a virtual network. */
  private readSiteConnections(t: Topology): void {
    const r = this.raw;
    t.siteConnections = list(r.siteConnections).map((c, i) => {
      const path = ["siteConnections", i];
      const site = this.site(t, c.site, [...path, "site"]);
      const vnet = this.vnet(t, c.virtualNetwork, [...path, "virtualNetwork"]);
      if (site && vnet) {
        for (const a of site.addressPrefixes) {
          const b = vnet.addressPrefixes.find((x) => cidrsOverlap(parseCidr(a)!, parseCidr(x)!));
          if (b)
            this.at(
              [...path, "virtualNetwork"],
              `site '${site.name}' (${a}) overlaps virtual network '${vnet.name}' (${b}); overlapping networks cannot be connected.`,
            );
        }
      }
      return {
        name: c.name ?? `${site?.name ?? c.site}-to-${vnet?.name ?? c.virtualNetwork}`,
        resourceGroup: this.group(c, path),
        site: site?.name ?? c.site,
        virtualNetwork: vnet?.name ?? c.virtualNetwork,
        connectionType: c.type ?? "Vpn",
        forcedTunneling: c.forcedTunneling ?? false,
      };
    });
    this.unique(
      t.siteConnections,
      ["siteConnections"],
      (c) => `${c.site}|${c.virtualNetwork}`.toLowerCase(),
      "site",
      (c) => `site '${c.site}' is already connected to '${c.virtualNetwork}'.`,
    );
    this.unique(t.siteConnections, ["siteConnections"], (c) => c.name, "name");
  }

  /** Proxies, each with an address of its site. */
  private readProxies(t: Topology): void {
    const r = this.raw;
    t.proxies = list(r.proxies).map((p, i) => {
      const path = ["proxies", i];
      const site = this.site(t, p.site, [...path, "site"]);
      if (site) this.claimInSite(site, p.ipAddress, [...path, "ipAddress"], `proxy ${p.name}`);
      return {
        name: p.name,
        resourceGroup: this.group(p, path),
        site: p.site,
        ipAddress: p.ipAddress,
        port: p.port,
        ...(p.bypassAuthentication !== undefined ? { bypassAuthentication: p.bypassAuthentication } : {}),
        ...(p.tlsInspection !== undefined ? { tlsInspection: p.tlsInspection } : {}),
      };
    });
  }

  /** DNS servers (on-premises or in Azure): zones, forwarders; the names hosts and virtual networks refer to them by. */
  private readDnsServers(t: Topology): ResolverNames {
    const r = this.raw;
    // DNS servers first claim their addresses: hosts and other servers refer to them by name.
    const rawServers = list(r.dnsServers);
    const placements = rawServers.map((d, i) =>
      this.placement(t, d, ["dnsServers", i], `DNS server ${d.name}`),
    );
    const names = { servers: rawServers, t };
    t.dnsServers = rawServers.map((d, i): TDnsServer => {
      const path = ["dnsServers", i];
      const zones = list(d.zones).map((z, j) => ({
        name: z.name,
        records: this.records(z.records, [...path, "zones", j, "records"]),
      }));
      this.unique(zones, [...path, "zones"], (z) => z.name, "name");
      const conditionalForwarders = list(d.conditionalForwarders).map((f, j) => {
        const fp = [...path, "conditionalForwarders", j];
        if (zones.some((z) => z.name === f.domain))
          this.at(
            [...fp, "domain"],
            `${f.domain} is also a zone of this server; a server answers a domain one way (zone or forwarder).`,
          );
        return {
          domain: f.domain,
          targets: f.targets.map((x: string, k: number) => this.resolverIp(names, x, [...fp, "targets", k])),
        };
      });
      this.unique(conditionalForwarders, [...path, "conditionalForwarders"], (f) => f.domain, "domain");
      return {
        name: d.name,
        resourceGroup: this.group(d, path),
        ...placements[i],
        ipAddress: d.ipAddress,
        zones,
        conditionalForwarders,
        forwarders: list(d.forwarders).map((x: string, k: number) =>
          this.resolverIp(names, x, [...path, "forwarders", k]),
        ),
        recursion: d.recursion ?? true,
        ...(d.external ? { external: d.external } : {}),
      };
    });
    return names;
  }

  /** A virtual network's custom DNS servers, written as names, become their addresses. */
  private resolveVirtualNetworkDnsServers(t: Topology, names: ResolverNames): void {
    t.virtualNetworks.forEach((v: TVirtualNetwork, i) => {
      v.dnsServers = v.dnsServers.map((x, k) =>
        this.resolverIp(names, x, ["virtualNetworks", i, "dnsServers", k]),
      );
    });
  }

  /** Hosts: placement, address, DNS servers and what their OS offers. */
  private readHosts(t: Topology, names: ResolverNames): void {
    const r = this.raw;
    t.hosts = list(r.hosts).map((h, i): THost => {
      const path = ["hosts", i];
      return {
        name: h.name,
        resourceGroup: this.group(h, path),
        ...this.placement(t, h, path, `host ${h.name}`),
        ipAddress: h.ipAddress,
        os: h.os,
        dnsServers: list(h.dnsServers).map((x: string, k: number) =>
          this.resolverIp(names, x, [...path, "dnsServers", k]),
        ),
        ...(h.hostsFile !== undefined ? { hostsFile: h.hostsFile } : {}),
        ...(h.proxyUrl !== undefined ? { proxyUrl: h.proxyUrl } : {}),
        ...(h.proxyBypass !== undefined ? { proxyBypass: list(h.proxyBypass) } : {}),
        ...(h.trustedCertificateAuthorities !== undefined
          ? { trustedCertificateAuthorities: h.trustedCertificateAuthorities }
          : {}),
        ...(h.maxTlsVersion !== undefined ? { maxTlsVersion: h.maxTlsVersion } : {}),
        ...(h.gcmCipherSuitesEnabled !== undefined
          ? { gcmCipherSuitesEnabled: h.gcmCipherSuitesEnabled }
          : {}),
        ...(h.osVersion !== undefined ? { osVersion: h.osVersion } : {}),
        ...(h.osSku !== undefined ? { osSku: h.osSku } : {}),
        ...(h.osEdition !== undefined ? { osEdition: h.osEdition } : {}),
        ...(h.description !== undefined ? { description: h.description } : {}),
      };
    });
  }

  /** Firewalls, one per site. */
  private readFirewalls(t: Topology): void {
    const r = this.raw;
    t.firewalls = list(r.firewalls).map((f, i): TFirewall => {
      const path = ["firewalls", i];
      this.site(t, f.site, [...path, "site"]);
      const rules = list(f.rules).map((x) => ({ ...x, protocol: x.protocol ?? "Any" }));
      this.unique(rules, [...path, "rules"], (x) => x.name, "name");
      this.unique(
        rules,
        [...path, "rules"],
        (x) => String(x.priority),
        "priority",
        (x) => `priority ${x.priority} is already used by another rule; priorities must be unique.`,
      );
      const site = t.sites.find((x) => x.name.toLowerCase() === f.site.toLowerCase())?.name ?? f.site;
      return {
        name: f.name ?? `${site}-firewall`,
        resourceGroup: this.group(f, path),
        site,
        defaultAction: f.defaultAction,
        rules,
        ...(f.tlsInspection !== undefined ? { tlsInspection: f.tlsInspection } : {}),
      };
    });
    this.unique(
      t.firewalls,
      ["firewalls"],
      (f) => f.site,
      "site",
      (f) => `site '${f.site}' already has a firewall; a site has one firewall.`,
    );
    this.unique(t.firewalls, ["firewalls"], (f) => f.name, "name");
  }

  /** Arc machines: scope, OS (from the host of the same name), association time, extensions. */
  private readMachines(t: Topology): void {
    const r = this.raw;
    // Machines find their host by name: one index, not a scan of every host per machine.
    const hostByName = new Map<string, (typeof t.hosts)[number]>();
    for (const h of t.hosts)
      if (!hostByName.has(h.name.toLowerCase())) hostByName.set(h.name.toLowerCase(), h);
    t.machines = list(r.machines).map((m, i) => {
      const path = ["machines", i];
      const scope = m.privateLinkScope
        ? t.privateLinkScopes.find((s) => s.name.toLowerCase() === m.privateLinkScope!.toLowerCase())
        : undefined;
      if (m.privateLinkScope && !scope)
        this.at(
          [...path, "privateLinkScope"],
          `no privateLinkScopes entry is named '${m.privateLinkScope}'.`,
        );
      const host = typeof m.name === "string" ? hostByName.get(m.name.toLowerCase()) : undefined;
      const os = m.os ?? host?.os;
      if (m.associatedMinutesAgo !== undefined && m.associatedAt !== undefined)
        this.at([...path, "associatedAt"], "give associatedAt or associatedMinutesAgo, not both.");
      if ((m.associatedMinutesAgo !== undefined || m.associatedAt !== undefined) && !m.privateLinkScope)
        this.at(
          [...path, m.associatedAt !== undefined ? "associatedAt" : "associatedMinutesAgo"],
          "a machine without privateLinkScope has no association time: add privateLinkScope, or drop it.",
        );
      const extensions = list(m.extensions).map((x) => ({
        name: x.name ?? x.type,
        publisher: x.publisher,
        type: x.type,
        ...(x.typeHandlerVersion !== undefined ? { typeHandlerVersion: x.typeHandlerVersion } : {}),
        ...(x.workspaceId !== undefined ? { workspaceId: x.workspaceId } : {}),
      }));
      this.unique(extensions, [...path, "extensions"], (x) => x.name.toLowerCase(), "name");
      return {
        name: m.name,
        resourceGroup: this.group(m, path),
        location: m.location ?? scope?.location ?? this.rgLocation(m),
        ...(m.privateLinkScope ? { privateLinkScope: m.privateLinkScope } : {}),
        ...(os ? { os } : {}),
        ...(m.agentVersion !== undefined ? { agentVersion: m.agentVersion } : {}),
        ...(m.proxyBypass !== undefined ? { proxyBypass: list(m.proxyBypass) } : {}),
        ...(m.incomingConnectionsPorts !== undefined
          ? { incomingConnectionsPorts: list(m.incomingConnectionsPorts) }
          : {}),
        ...(m.associatedMinutesAgo !== undefined ? { associatedMinutesAgo: m.associatedMinutesAgo } : {}),
        ...(m.associatedAt !== undefined ? { associatedAt: m.associatedAt } : {}),
        extensions,
      };
    });
  }

  /** DNS listeners: the resolvers to serve on loopback ports. */
  private readListeners(t: Topology): void {
    const r = this.raw;
    t.dns.listeners = list(r.dns?.listeners).map((l, i) => this.listener(t, l, ["dns", "listeners", i]));
    this.unique(
      t.dns.listeners,
      ["dns", "listeners"],
      (l) => (l.port !== 0 ? String(l.port) : undefined),
      "port",
      (l) => `port ${l.port} is used by two listeners; give each its own port (or 0 for any free port).`,
    );
  }

  // ---- helpers --------------------------------------------------------------------------------

  private group(o: { resourceGroup?: string }, path: Path): string {
    if (!o.resourceGroup) return this.defaultRg;
    const g = this.rgs.get(o.resourceGroup.toLowerCase());
    if (!g) {
      this.at(
        [...path, "resourceGroup"],
        `resource group '${o.resourceGroup}' is not declared under resourceGroups.`,
      );
      return o.resourceGroup;
    }
    return g.name;
  }

  private rgLocation(o: { resourceGroup?: string }): string {
    const g = o.resourceGroup ? this.rgs.get(o.resourceGroup.toLowerCase()) : undefined;
    return (g ?? this.rgs.get(this.defaultRg.toLowerCase()))!.location;
  }

  private placed(
    o: { resourceGroup?: string; location?: string },
    path: Path,
  ): { resourceGroup: string; location: string } {
    return { resourceGroup: this.group(o, path), location: o.location ?? this.rgLocation(o) };
  }

  /** Reports duplicates of key(x) among items (by index in the original list when possible). */
  private unique<T>(
    items: T[],
    path: Path,
    key: (x: T) => string | undefined,
    field: string,
    message?: (x: T) => string,
  ): void {
    const seen = new Map<string, number>();
    items.forEach((x, i) => {
      const k = key(x)?.toLowerCase();
      if (k === undefined) return;
      const prev = seen.get(k);
      if (prev !== undefined) {
        this.at(
          [...path, i, field],
          message
            ? message(x)
            : `'${key(x)}' is used twice (also at ${formatPath([...path, prev])}); names must be unique.`,
        );
      } else seen.set(k, i);
    });
  }

  private noOverlap(cidrs: Cidr[], path: Path, what: string, field?: string): void {
    for (let i = 0; i < cidrs.length; i++) {
      for (let j = 0; j < i; j++) {
        if (cidrsOverlap(cidrs[i], cidrs[j])) {
          this.at(
            field ? [...path, i, field] : [...path, i],
            `${cidrs[i].text} overlaps ${cidrs[j].text}; ${what} must not overlap.`,
          );
        }
      }
    }
  }

  private vnet(t: Topology, name: string, path: Path): TVirtualNetwork | undefined {
    const v = t.virtualNetworks.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!v) this.at(path, `no virtualNetworks entry is named '${name}'.`);
    return v;
  }

  private site(t: Topology, name: string, path: Path) {
    const s = t.sites.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!s) this.at(path, `no sites entry is named '${name}'.`);
    return s;
  }

  /** 'vnet/subnet', or 'subnet' when one VNet (or `inVnet`) has a subnet of that name. */
  private subnet(t: Topology, text: string, path: Path, inVnet?: string): SubnetRef | undefined {
    const parts = text.split("/");
    if (parts.length > 2 || parts.some((p) => p === "")) {
      this.at(path, `'${text}' is not a subnet reference: write 'vnet/subnet' or the subnet's name.`);
      return undefined;
    }
    const candidates = t.virtualNetworks.flatMap((v) =>
      v.subnets
        .filter((s) => s.name.toLowerCase() === parts[parts.length - 1].toLowerCase())
        .map((s) => ({ virtualNetwork: v.name, subnet: s.name })),
    );
    let hits = candidates;
    if (parts.length === 2)
      hits = hits.filter((c) => c.virtualNetwork.toLowerCase() === parts[0].toLowerCase());
    if (inVnet) {
      const mine = hits.filter((c) => c.virtualNetwork.toLowerCase() === inVnet.toLowerCase());
      if (hits.length && !mine.length) {
        this.at(
          path,
          `subnet '${text}' is not in virtual network '${inVnet}'; an inbound endpoint uses a subnet of its resolver's virtual network.`,
        );
        return undefined;
      }
      hits = mine;
    }
    if (hits.length === 1) return hits[0];
    if (hits.length === 0) this.at(path, `no subnet '${text}' is declared under virtualNetworks.`);
    else
      this.at(
        path,
        `'${text}' is ambiguous (${hits.map((h) => `${h.virtualNetwork}/${h.subnet}`).join(", ")}); write 'vnet/subnet'.`,
      );
    return undefined;
  }

  private subnetCidr(t: Topology, ref: SubnetRef): Cidr | undefined {
    const s = t.virtualNetworks
      .find((v) => v.name === ref.virtualNetwork)
      ?.subnets.find((x) => x.name === ref.subnet);
    return s ? parseCidr(s.addressPrefix) : undefined;
  }

  private placement(
    t: Topology,
    o: { site?: string; subnet?: string; ipAddress: string },
    path: Path,
    what: string,
  ): TPlacement {
    if ((o.site === undefined) === (o.subnet === undefined)) {
      this.at(
        o.site === undefined ? [...path, "site"] : [...path, "subnet"],
        o.site === undefined
          ? "one of 'site' (on-premises) or 'subnet' ('vnet/subnet', a VM in Azure) is required."
          : "set 'site' or 'subnet', not both: a machine is either on-premises or in Azure.",
      );
      return { site: o.site ?? "" };
    }
    if (o.site !== undefined) {
      const site = this.site(t, o.site, [...path, "site"]);
      if (site) this.claimInSite(site, o.ipAddress, [...path, "ipAddress"], what);
      return { site: site?.name ?? o.site };
    }
    const ref = this.subnet(t, o.subnet!, [...path, "subnet"]);
    if (ref) this.claimInSubnet(t, ref, o.ipAddress, [...path, "ipAddress"], what);
    return { subnet: ref ?? { virtualNetwork: "", subnet: "" } };
  }

  private claimInSite(
    site: { name: string; addressPrefixes: string[] },
    ip: string,
    path: Path,
    what: string,
  ): void {
    const n = parseIpv4(ip)!;
    if (!site.addressPrefixes.some((p) => cidrContainsIp(parseCidr(p)!, n))) {
      this.at(path, `${ip} is outside site '${site.name}' (${site.addressPrefixes.join(", ")}).`);
      return;
    }
    this.claim(`site:${site.name.toLowerCase()}`, ip, path, what);
  }

  private claimInSubnet(t: Topology, ref: SubnetRef, ip: string, path: Path, what: string): void {
    const c = this.subnetCidr(t, ref);
    if (!c) return;
    const n = parseIpv4(ip)!;
    if (!cidrContainsIp(c, n)) {
      this.at(path, `${ip} is outside subnet ${ref.virtualNetwork}/${ref.subnet} (${c.text}).`);
      return;
    }
    if (n - c.first < 4 || n === c.last) {
      this.at(
        path,
        `${ip} is reserved by Azure in ${c.text}; the first usable address is ${formatIpv4(c.first + 4)}.`,
      );
      return;
    }
    this.claim(`subnet:${ref.virtualNetwork}/${ref.subnet}`.toLowerCase(), ip, path, what);
  }

  private claim(space: string, ip: string, path: Path, what: string): void {
    let claimed = this.claims.get(space);
    if (!claimed) this.claims.set(space, (claimed = new Map()));
    const prev = claimed.get(ip);
    if (prev) this.at(path, `${ip} is already used by ${prev.what} (${formatPath(prev.path)}).`);
    else claimed.set(ip, { ip, path, what });
  }

  /** An IP, a DNS server's name, or an inbound endpoint ('resolver/endpoint' or a unique endpoint name). */
  private resolverIp(n: ResolverNames, text: string, path: Path): string {
    if (isIPv4(text) || isIPv6(text)) return text;
    const server = n.servers.find((s) => s.name.toLowerCase() === text.toLowerCase());
    if (server) return server.ipAddress;
    const ep = this.inbound(n.t, text, path, "resolver");
    if (!ep) return text;
    if (!ep.endpoint.privateIPAddress) {
      this.at(
        path,
        `inbound endpoint '${ep.resolver.name}/${ep.endpoint.name}' has a dynamic address, so the file cannot refer to it by name: give it a privateIPAddress (the first usable address of its subnet, e.g. .4) or write the address here.`,
      );
      return text;
    }
    return ep.endpoint.privateIPAddress;
  }

  private inbound(t: Topology, text: string, path: Path, role: string) {
    const parts = text.split("/");
    const hits = t.dnsResolvers.flatMap((r) =>
      r.inboundEndpoints
        .filter((e) =>
          parts.length === 2
            ? r.name.toLowerCase() === parts[0].toLowerCase() &&
              e.name.toLowerCase() === parts[1].toLowerCase()
            : e.name.toLowerCase() === text.toLowerCase(),
        )
        .map((e) => ({ resolver: r, endpoint: e })),
    );
    if (hits.length === 1) return hits[0];
    this.at(
      path,
      hits.length
        ? `'${text}' is ambiguous (${hits.map((h) => `${h.resolver.name}/${h.endpoint.name}`).join(", ")}); write 'resolver/endpoint'.`
        : `'${text}' is not an IP address, a dnsServers name or an inbound endpoint of dnsResolvers; a ${role} is one of those.`,
    );
    return undefined;
  }

  private records(v: TRecord[] | undefined, path: Path): TRecord[] {
    const recs = list(v);
    recs.forEach((r, i) => {
      const rp = [...path, i];
      if (r.name !== "@" && !/^(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/i.test(r.name)) {
        this.at(
          [...rp, "name"],
          `'${r.name}' is not a relative record name ('@' for the apex, or labels such as 'gbl').`,
        );
      }
      r.name = r.name.toLowerCase();
      r.values.forEach((x, j) => {
        const bad =
          (r.type === "A" && parseIpv4(x) === undefined) ||
          (r.type === "AAAA" && !isIPv6(x)) ||
          (r.type === "CNAME" && !/^[a-z0-9_.-]+$/i.test(x));
        if (bad) this.at([...rp, "values", j], `'${x}' is not a valid ${r.type} value.`);
      });
      if (r.type === "CNAME" && r.values.length !== 1)
        this.at([...rp, "values"], "a CNAME has exactly one target name.");
    });
    this.unique(
      recs,
      path,
      (r) => `${r.name}|${r.type}`,
      "name",
      (r) => `record set '${r.name}' of type ${r.type} appears twice; list all its values in one entry.`,
    );
    const hasCname = (r: TRecord) => recs.some((o) => o.name === r.name && o.type === "CNAME");
    this.unique(
      recs,
      path,
      (r) => (hasCname(r) ? r.name : undefined),
      "name",
      (r) => `'${r.name}' has a CNAME and another record; a CNAME cannot coexist with other records.`,
    );
    return recs.map((r) => ({
      name: r.name,
      type: r.type,
      ...(r.ttl !== undefined ? { ttl: r.ttl } : {}),
      values: r.values,
    }));
  }

  private listener(t: Topology, l: { resolver: string; port?: number }, path: Path): TListener {
    const base = { resolver: l.resolver, port: l.port ?? 0 };
    const text = l.resolver;
    if (text.toLowerCase() === "public") return { ...base, kind: "public" };
    if (text.toLowerCase().startsWith("azure:")) {
      const v = this.vnet(t, text.slice(6), [...path, "resolver"]);
      return { ...base, kind: "azure", name: v?.name ?? text.slice(6) };
    }
    const server = t.dnsServers.find((s) => s.name.toLowerCase() === text.toLowerCase());
    if (server) return { ...base, kind: "dnsServer", name: server.name };
    const ep = this.inbound(
      t,
      text,
      [...path, "resolver"],
      "listener's resolver ('public' and 'azure:<vnet>' also work)",
    );
    return { ...base, kind: "inboundEndpoint", name: ep ? `${ep.resolver.name}/${ep.endpoint.name}` : text };
  }
}

function list<T>(v: T[] | undefined): T[] {
  return Array.isArray(v) ? v : [];
}
