// The lab hosts (on-premises servers and Azure VMs): address, OS, position, DNS servers and hosts
// file. A fleet has 100,000 of them: a change replaces only the hosts it touched.
import { parseHostsFile } from "../../providers/lab/hostsFile.js";
import { WorldView } from "../../world/world.js";
import type { HostModel } from "../model.js";
import { PatchedMap } from "../patchedMap.js";
import { positionOf } from "./common.js";
import { modelSection } from "./section.js";

export const hosts = modelSection({
  name: "hosts",
  compile: (view) => buildHosts(view),
  patch: (prev, view, keys) => {
    // The previous hosts with these replaced, without copying the map.
    const over = new Map<string, HostModel | undefined>();
    const changed = new Set<string>();
    for (const k of keys) {
      const e = view.get(k);
      const h = e ? hostModelOf(e) : undefined;
      if (h || prev.has(k)) {
        over.set(k, h);
        changed.add(k);
      }
    }
    return { entries: PatchedMap.over(prev, over), changed };
  },
});

/**
 * Host models by the stored body they were compiled from: a body is never changed in place (a write
 * stores a new one), so compiling a world again reuses each unchanged host's model (and what was
 * derived from it, keyed by the model) instead of parsing its hosts file again.
 */
const hostModels = new WeakMap<object, HostModel>();

/** One host's model, or undefined when it has no position (not in the model). */
function hostModelOf(h: { key: string; id: string; body: Record<string, any> }): HostModel | undefined {
  const known = hostModels.get(h.body);
  if (known && known.key === h.key && known.id === h.id) return known;
  const m = compileHost(h);
  if (m) hostModels.set(h.body, m);
  return m;
}

/** The hosts file of a host without one: one empty list for all of them (models are read-only). */
const NO_ENTRIES: HostModel["hostsEntries"] = Object.freeze([]) as unknown as HostModel["hostsEntries"];

function compileHost(h: { key: string; id: string; body: Record<string, any> }): HostModel | undefined {
  const p = h.body.properties ?? {};
  const { pos, subnet } = positionOf(h.body);
  if (!pos) return undefined;
  return {
    key: h.key,
    id: h.id,
    name: h.body.name,
    ip: p.privateIPAddress,
    os: p.osType === "Windows" ? "Windows" : "Linux",
    pos,
    subnet,
    dnsServers: Array.isArray(p.dnsServers) ? p.dnsServers : [],
    hostsEntries: typeof p.hostsFile === "string" ? parseHostsFile(p.hostsFile).entries : NO_ENTRIES,
    raw: h.body,
  };
}

function buildHosts(view: WorldView): Map<string, HostModel> {
  const hosts = new Map<string, HostModel>();
  for (const h of view.ofType("ArcLink.Lab/hosts")) {
    const m = hostModelOf(h);
    if (m) hosts.set(h.key, m);
  }
  return hosts;
}
