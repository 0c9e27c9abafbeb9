/// <reference lib="dom" />
// A selected host's paths as the check evaluator traced them, read off the trace (never
// recomputed): the DNS path (host → its DNS server → forwarder → resolver → zone, or public DNS),
// and each connection path (host → firewall / proxy / NSG → endpoint), ending at the component that
// decided. A refused connection ends at the step that failed: the firewall, NSG, proxy or endpoint.
import { EndpointCheck, TraceStep } from "./data.js";

/** The names the diagram draws, by kind: the trace's `at` is matched against them. */
export interface Components {
  /** "host" | "dns" | "inbound" | "firewall" | "proxy" | "pe" | "zone" | "nsg" → lower-case name → node key */
  byKind: Map<string, Map<string, string>>;
  /** Node key of public DNS and of the Azure services. */
  publicDns: string;
  serviceOf(endpoint: string): string;
}

export interface Hop {
  node: string;
  /** The trace step's own words. */
  what: string;
  outcome: "ok" | "fail" | "info";
}

export interface TracedPath {
  kind: "dns" | "connection";
  endpoint: string;
  verdict: EndpointCheck["verdict"];
  hops: Hop[];
  /** True when the last hop is the step that refused. */
  stopped: boolean;
}

const PATTERNS: Array<[RegExp, string]> = [
  [/^host (\S+)/i, "host"],
  [/^DNS server (\S+)/i, "dns"],
  [/^DNS Private Resolver inbound endpoint (\S+)/i, "inbound"],
  [/^firewall (\S+)/i, "firewall"],
  [/^proxy (\S+)/i, "proxy"],
  [/^(?:network security group|NSG) (\S+)/i, "nsg"],
  [/private endpoint (\S+?)\)?$/i, "pe"],
  [/^private endpoint (\S+)/i, "pe"],
];

function nodesOf(step: TraceStep, c: Components, endpoint: string): string[] {
  const at = step.at.trim();
  if (/^public DNS$/i.test(at)) return step.outcome === "info" ? [] : [c.publicDns];
  if (/^endpoint$/i.test(at) || /\(public endpoint\)$/i.test(at)) return [c.serviceOf(endpoint)];
  const out: string[] = [];
  for (const [re, kind] of PATTERNS) {
    const m = re.exec(at);
    if (!m) continue;
    const hit = c.byKind.get(kind)?.get(m[1].toLowerCase());
    if (hit) {
      out.push(hit);
      break;
    }
  }
  // A resolver's answer from a private zone: the zone is the path's last hop.
  const zone = /private zone (\S+) .*answers/i.exec(step.what);
  const z = zone && c.byKind.get("zone")?.get(zone[1].toLowerCase());
  if (z) out.push(z);
  return out;
}

function flatten(steps: TraceStep[], out: TraceStep[] = []): TraceStep[] {
  for (const st of steps) {
    out.push(st);
    if (st.steps?.length) flatten(st.steps, out);
  }
  return out;
}

function hopsOf(steps: TraceStep[], c: Components, endpoint: string): { hops: Hop[]; stopped: boolean } {
  const hops: Hop[] = [];
  let stopped = false;
  for (const st of flatten(steps)) {
    const nodes = nodesOf(st, c, endpoint);
    const outcome = st.outcome ?? "info";
    for (const node of nodes) {
      if (hops.at(-1)?.node === node) {
        if (outcome === "fail") hops[hops.length - 1].outcome = "fail";
      } else hops.push({ node, what: st.what, outcome });
    }
    if (outcome === "fail" && !st.steps?.length) {
      stopped = nodes.length > 0;
      break;
    }
  }
  return { hops, stopped };
}

/** The DNS path and the connection path of one endpoint's check, as hops over the diagram. */
export function pathsOf(e: EndpointCheck, c: Components): TracedPath[] {
  const top = e.trace ?? [];
  const dns = top.filter((t) => /^DNS$/i.test(t.at));
  const rest = top.filter((t) => !/^DNS$/i.test(t.at));
  const out: TracedPath[] = [];
  if (dns.length) {
    const d = hopsOf(dns, c, e.endpoint);
    out.push({ kind: "dns", endpoint: e.endpoint, verdict: e.verdict, ...d });
  }
  if (rest.length) {
    const n = hopsOf(rest, c, e.endpoint);
    out.push({ kind: "connection", endpoint: e.endpoint, verdict: e.verdict, ...n });
  }
  return out;
}
