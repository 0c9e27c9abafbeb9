// The hosts of a world as a diagram draws them at fleet scale: per site or subnet, either every host
// (a few) or one group per worst verdict with its count, the hosts of the groups a reader opened
// (a page at a time), and each group's lines summed over its hosts (how many go where, with which
// verdict). Scopes: their machine count and the first machines by name. Verdicts are check()'s, as
// lint reported them; nothing is evaluated here. Pure: the same input gives the same answer.
import { Entry } from "../world/world.js";
import { EndpointCheck, HostCheck } from "./check.js";

/** A host's worst verdict: refused, then undetermined (a fact is missing), public, private. */
export type Worst = "private" | "public" | "refused" | "undetermined" | "unchecked";
export const WORST_ORDER: readonly Worst[] = ["refused", "undetermined", "public", "private", "unchecked"];

export interface HostGroupsRequest {
  /** A site or subnet with more hosts than this shows groups instead of hosts. */
  groupAt: number;
  /** Group key (`<site or subnet id, lower case>|<verdict>`) → how many of its hosts to list. */
  open: Record<string, number>;
  /** A host (by name) listed whatever its group's state: the one found or selected. */
  pinned?: string;
  /** Machines listed per scope. */
  scopeMachines: number;
  /** A host name or part of one: the answer names the first match (exact first). */
  find?: string;
}

/** One host as the diagram draws it: the lab host's own facts and its verdict per endpoint. */
export interface HostEntry {
  id: string;
  name: string;
  address: string;
  osType: string;
  machineId?: string;
  endpoints: Array<Pick<EndpointCheck, "endpoint" | "address" | "verdict" | "reason" | "message">>;
}

/** A group's lines, summed: `hosts` of its hosts reach `endpoint` (at `address`) with `verdict`. */
export interface GroupPath {
  endpoint: string;
  address?: string;
  verdict: EndpointCheck["verdict"];
  hosts: number;
}

export interface HostGroup {
  key: string;
  verdict: Worst;
  count: number;
  /** The open page (and the pinned host), in name order. */
  hosts: HostEntry[];
  paths: GroupPath[];
}

export interface HostContainer {
  /** The site's or subnet's id, lower case. */
  id: string;
  count: number;
  /** Every host, when there are at most groupAt. */
  hosts?: HostEntry[];
  groups?: HostGroup[];
}

export interface HostGroups {
  totals: Record<Worst, number> & { hosts: number };
  containers: HostContainer[];
  scopes: Array<{ id: string; machines: number; listed: Array<{ name: string; location: string }> }>;
  /** The host `find` matched, if any. */
  found?: string;
}

export const LAB_HOSTS = "ArcLink.Lab/hosts";

export function worstOf(endpoints: readonly { verdict: string }[] | undefined): Worst {
  if (!endpoints || !endpoints.length) return "unchecked";
  let w: Worst = "private";
  for (const e of endpoints) {
    if (e.verdict === "refused") return "refused";
    if (e.verdict === "undetermined") w = "undetermined";
    else if (e.verdict === "public" && w === "private") w = "public";
  }
  return w;
}

const lc = (x: unknown) => String(x ?? "").toLowerCase();
/** Name order, as the ARM lists the portal reads sort them (localeCompare's order, one collator). */
const collator = new Intl.Collator();
const byName = (a: { name?: unknown }, b: { name?: unknown }) =>
  collator.compare(String(a.name), String(b.name));

/** The first `n` of `list` in `cmp` order, without sorting all of it (a scope may hold every machine). */
function firstOf<T>(list: readonly T[], n: number, cmp: (a: T, b: T) => number): T[] {
  const out: T[] = [];
  if (n <= 0) return out;
  for (const x of list) {
    if (out.length === n && cmp(x, out[n - 1]) >= 0) continue;
    let i = out.length;
    while (i > 0 && cmp(x, out[i - 1]) < 0) i--;
    out.splice(i, 0, x);
    if (out.length > n) out.pop();
  }
  return out;
}

function entryOf(h: Entry, c: HostCheck | undefined): HostEntry {
  const p = h.body.properties ?? {};
  return {
    id: h.id,
    name: String(h.body.name),
    address: String(p.privateIPAddress ?? ""),
    osType: String(p.osType ?? ""),
    ...(c?.machineId ? { machineId: c.machineId } : {}),
    endpoints: (c?.endpoints ?? []).map((e) => ({
      endpoint: e.endpoint,
      ...(e.address ? { address: e.address } : {}),
      verdict: e.verdict,
      ...(e.reason ? { reason: e.reason } : {}),
      message: e.message,
    })),
  };
}

/**
 * The diagram's hosts and scopes from the world's lab hosts and machines of `subscriptionId`
 * (`all`, read with ofType) and lint's host checks.
 */
export function hostGroups(
  all: { hosts: Entry[]; machines: Entry[]; subscriptionId: string },
  checks: readonly HostCheck[],
  req: HostGroupsRequest,
): HostGroups {
  const prefix = `/subscriptions/${lc(all.subscriptionId)}/`;
  const mine = (e: Entry) => e.key.startsWith(prefix);
  const checkOf = new Map(checks.map((c) => [lc(c.hostId), c]));
  // Never a sort of every host: only what is listed is put in name order (a page is the first n).
  const hosts = all.hosts.filter(mine);
  const hostOrder = (a: Entry, b: Entry) => byName(a.body, b.body);
  const pinned = lc(req.pinned);
  const totals = { hosts: 0, private: 0, public: 0, refused: 0, undetermined: 0, unchecked: 0 };

  const byContainer = new Map<string, Entry[]>();
  for (const h of hosts) {
    const p = h.body.properties ?? {};
    const owner = lc(p.siteId ?? p.subnetId);
    const l = byContainer.get(owner);
    if (l) l.push(h);
    else byContainer.set(owner, [h]);
  }
  const containers: HostContainer[] = [];
  for (const [id, list] of byContainer) {
    const worst = list.map((h) => worstOf(checkOf.get(h.key)?.endpoints));
    for (const w of worst) totals[w] += 1;
    totals.hosts += list.length;
    if (list.length <= req.groupAt) {
      containers.push({
        id,
        count: list.length,
        hosts: [...list].sort(hostOrder).map((h) => entryOf(h, checkOf.get(h.key))),
      });
      continue;
    }
    const byWorst = new Map<Worst, Entry[]>(WORST_ORDER.map((v) => [v, []]));
    list.forEach((h, i) => byWorst.get(worst[i])!.push(h));
    const groups: HostGroup[] = [];
    for (const v of WORST_ORDER) {
      const members = byWorst.get(v)!;
      if (!members.length) continue;
      const key = `${id}|${v}`;
      const shown = Math.max(0, Math.floor(Number(req.open[key] ?? 0)));
      const page = firstOf(members, shown, hostOrder);
      const pin = pinned ? members.find((h) => lc(h.body.name) === pinned) : undefined;
      if (pin && !page.includes(pin)) page.unshift(pin);
      // Hosts with equal inputs share one endpoints list (lint evaluates them once): count the
      // lists, then sum each list once.
      const lists = new Map<readonly EndpointCheck[], number>();
      for (const h of members) {
        const eps = checkOf.get(h.key)?.endpoints;
        if (eps) lists.set(eps, (lists.get(eps) ?? 0) + 1);
      }
      const sums = new Map<string, GroupPath>();
      for (const [eps, n] of lists)
        for (const e of eps) {
          const k = `${e.endpoint}\u0001${e.address ?? ""}\u0001${e.verdict}`;
          const s = sums.get(k);
          if (s) s.hosts += n;
          else
            sums.set(k, {
              endpoint: e.endpoint,
              ...(e.address ? { address: e.address } : {}),
              verdict: e.verdict,
              hosts: n,
            });
        }
      groups.push({
        key,
        verdict: v,
        count: members.length,
        hosts: page.map((h) => entryOf(h, checkOf.get(h.key))),
        paths: [...sums.values()],
      });
    }
    containers.push({ id, count: list.length, groups });
  }

  const scopes = new Map<string, Entry[]>();
  for (const m of all.machines) {
    if (!mine(m)) continue;
    const sc = lc(m.body.properties?.privateLinkScopeResourceId);
    if (!sc) continue;
    const l = scopes.get(sc);
    if (l) l.push(m);
    else scopes.set(sc, [m]);
  }
  const out: HostGroups = {
    totals,
    containers,
    scopes: [...scopes].map(([id, ms]) => ({
      id,
      machines: ms.length,
      listed: firstOf(
        ms.map((m) => m.body),
        req.scopeMachines,
        byName,
      ).map((m) => ({ name: String(m.name), location: String(m.location ?? "") })),
    })),
  };
  const q = lc(req.find).trim();
  if (q) {
    const hit =
      hosts.find((h) => lc(h.body.name) === q) ??
      firstOf(
        hosts.filter((h) => lc(h.body.name).includes(q)),
        1,
        hostOrder,
      )[0];
    if (hit) out.found = String(hit.body.name);
  }
  return out;
}
