// Unbound's unbound.conf as an on-premises DNS server's facts: `forward-zone:` (name, forward-addr;
// name "." is the global forwarder), `stub-zone:` (name, stub-addr: read as forwarding), and in
// `server:` the `local-zone:` / `local-data:` pairs (a static local zone answers only its
// local-data; local-data outside any local zone answers that one name, as Unbound's implicit
// transparent zone does), plus `include:`. Other server: options are read and set aside; an unknown
// section, or an unknown key in a forward-zone or stub-zone, is an error naming the file and line.
import { dirname, isAbsolute, join, basename } from "node:path";
import { ExportError, InputNote } from "./azure.js";
import type { ReadFile } from "./bind.js";
import {
  addRecord,
  DnsRecordFact,
  DnsServerFacts,
  domainOf,
  forwarderAddress,
  RecordType,
} from "./dnsFacts.js";
import { ttlOf } from "./zoneFile.js";

const SECTIONS = new Set([
  "server",
  "forward-zone",
  "stub-zone",
  "remote-control",
  "python",
  "dynlib",
  "auth-zone",
  "view",
  "dnscrypt",
  "cachedb",
  "ipset",
  "rpz",
]);

const ZONE_KEYS: Record<string, Set<string>> = {
  "forward-zone": new Set([
    "name",
    "forward-addr",
    "forward-host",
    "forward-first",
    "forward-tls-upstream",
    "forward-ssl-upstream",
    "forward-tcp-upstream",
    "forward-no-cache",
  ]),
  "stub-zone": new Set([
    "name",
    "stub-addr",
    "stub-host",
    "stub-first",
    "stub-prime",
    "stub-tls-upstream",
    "stub-ssl-upstream",
    "stub-tcp-upstream",
    "stub-no-cache",
  ]),
};

const LOCAL_ZONE_TYPES = new Set([
  "static",
  "transparent",
  "typetransparent",
  "redirect",
  "refuse",
  "deny",
  "inform",
  "inform_deny",
  "inform_redirect",
  "always_transparent",
  "block_a",
  "always_refuse",
  "always_nxdomain",
  "always_null",
  "noview",
  "nodefault",
]);

function unquote(v: string): string {
  const t = v.trim();
  return /^".*"$/.test(t) || /^'.*'$/.test(t) ? t.slice(1, -1) : t;
}

export function readUnboundConf(path: string, read: ReadFile): { facts: DnsServerFacts; notes: InputNote[] } {
  const notes: InputNote[] = [];
  const facts: DnsServerFacts = { forwarders: [], conditionalForwarders: [], zones: [], line: 0, file: path };
  const localZones = new Map<string, { type: string; file: string; line: number }>();
  const localData: Array<{
    owner: string;
    type: string;
    value: string;
    ttl?: number;
    file: string;
    line: number;
  }> = [];
  const seen = new Set<string>();

  const readFile = (p: string) => {
    const text = read(p);
    if (text === undefined) throw new ExportError(`${p}: cannot read the Unbound configuration.`);
    let section = "";
    let zone: { kind: string; name?: string; addrs: string[]; line: number; file: string } | undefined;
    const close = () => {
      if (!zone) return;
      if (!zone.name) throw ExportError.at(zone.file, zone.line, `${zone.kind}: has no name:.`);
      const domain = domainOf(zone.name);
      if (!zone.addrs.length) {
        notes.push({
          file: zone.file,
          line: zone.line,
          message: `${zone.kind} ${domain} gives no IPv4 address (forward-host / stub-host names are not resolved here): set aside.`,
        });
      } else if (zone.kind === "forward-zone" && domain === "") {
        facts.forwarders = zone.addrs;
      } else {
        if (zone.kind === "stub-zone")
          notes.push({
            file: zone.file,
            line: zone.line,
            message: `stub-zone ${domain} is read as forwarding ${domain} to ${zone.addrs.join(", ")}.`,
          });
        facts.conditionalForwarders.push({ domain, targets: zone.addrs });
      }
      if (!facts.line && zone.file === path) facts.line = zone.line;
      zone = undefined;
    };
    text
      .replace(/^\uFEFF/, "")
      .split(/\r\n|\n|\r/)
      .forEach((raw, i) => {
        const line = i + 1;
        // '#' starts a comment outside quotes.
        let s = "";
        let q: string | undefined;
        for (const ch of raw) {
          if (q) {
            if (ch === q) q = undefined;
          } else if (ch === '"' || ch === "'") q = ch;
          else if (ch === "#") break;
          s += ch;
        }
        s = s.trim();
        if (!s) return;
        const m = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(s);
        const at = (msg: string) => ExportError.at(p, line, msg);
        if (!m) throw at(`'${s}' is not 'key: value' (unbound.conf(5)).`);
        const key = m[1].toLowerCase();
        const value = m[2];
        if (SECTIONS.has(key) && value === "") {
          close();
          section = key;
          if (key === "forward-zone" || key === "stub-zone") zone = { kind: key, addrs: [], line, file: p };
          return;
        }
        if (key === "include" || key === "include-toplevel") {
          const inc = unquote(value);
          const tries = isAbsolute(inc) ? [join(dirname(p), basename(inc)), inc] : [join(dirname(p), inc)];
          const found = tries.find((t) => read(t) !== undefined);
          if (!found)
            throw at(`included file '${inc}' not found (looked beside ${basename(p)} too); copy it there.`);
          if (seen.has(found)) throw at(`'${inc}' is included twice (a loop?).`);
          seen.add(found);
          const keep = { section, zone };
          close();
          readFile(found);
          section = keep.section;
          return;
        }
        if (!section) throw at(`'${key}:' comes before any section (server:, forward-zone:, stub-zone:, …).`);
        if (zone) {
          if (!ZONE_KEYS[zone.kind].has(key))
            throw at(`'${key}:' is not a ${zone.kind} option (${[...ZONE_KEYS[zone.kind]].join(", ")}).`);
          if (key === "name") zone.name = unquote(value);
          else if (key === "forward-addr" || key === "stub-addr") {
            const a = forwarderAddress(unquote(value));
            if (a) zone.addrs.push(a);
            else if (!/^[0-9a-f:]+([@#]|$)/i.test(unquote(value)))
              throw at(`'${value}' is not an address (10.0.0.4, 10.0.0.4@53, 10.0.0.4#name).`);
          } else if (key === "forward-first" && unquote(value) === "yes")
            notes.push({
              file: p,
              line,
              message:
                "forward-first: yes: when the forwarders fail Unbound resolves from the root; ArcLink models forwarding only.",
            });
          return;
        }
        if (section !== "server") return;
        if (key === "local-zone") {
          const [name, type] = value.trim().split(/\s+/);
          const t = (type ?? "").toLowerCase();
          if (!LOCAL_ZONE_TYPES.has(t))
            throw at(
              `local-zone type '${type ?? ""}' is not one Unbound has (static, transparent, redirect, …).`,
            );
          localZones.set(domainOf(unquote(name)), { type: t, file: p, line });
          if (!facts.line && p === path) facts.line = line;
        } else if (key === "local-data") {
          const rr = unquote(value).trim().split(/\s+/);
          const owner = rr.shift() ?? "";
          let ttl: number | undefined;
          while (rr.length) {
            const tt = ttlOf(rr[0]);
            if (tt !== undefined && ttl === undefined) {
              ttl = tt;
              rr.shift();
            } else if (/^(IN|CH|HS)$/i.test(rr[0])) rr.shift();
            else break;
          }
          const type = (rr.shift() ?? "").toUpperCase();
          if (!type || !rr.length)
            throw at(`local-data '${unquote(value)}' is not "name [TTL] [IN] TYPE data".`);
          localData.push({
            owner: domainOf(owner),
            type,
            value: rr.join(" ").replace(/^"|"$/g, ""),
            ttl,
            file: p,
            line,
          });
          if (!facts.line && p === path) facts.line = line;
        }
      });
    close();
  };

  seen.add(path);
  readFile(path);

  // local-data goes to the innermost local-zone holding its name; without one, Unbound makes a
  // transparent zone of just that name.
  const zones = new Map<string, { name: string; records: DnsRecordFact[] }>();
  for (const d of localData) {
    const at = (m: string) => ExportError.at(d.file, d.line, m);
    let holder: string | undefined;
    for (const z of localZones.keys())
      if ((d.owner === z || d.owner.endsWith("." + z)) && (!holder || z.length > holder.length)) holder = z;
    const zname = holder ?? d.owner;
    const zt = holder ? localZones.get(holder)!.type : "transparent";
    if (!["A", "AAAA", "CNAME", "TXT"].includes(d.type)) continue;
    if (
      holder &&
      !["static", "transparent", "typetransparent", "redirect", "inform", "always_transparent"].includes(zt)
    )
      continue;
    let z = zones.get(zname);
    if (!z) zones.set(zname, (z = { name: zname, records: [] }));
    if (zt === "redirect" && d.owner === zname)
      addRecord(z, `*.${zname}`, d.type as RecordType, d.value, d.ttl);
    if (!addRecord(z, d.owner, d.type as RecordType, d.value, d.ttl))
      throw at(`${d.owner} is outside ${zname}.`);
  }
  // A transparent zone with data answers only the names it has; others resolve as usual: one zone per name.
  for (const [name, z] of zones) {
    const t = localZones.get(name)?.type ?? "transparent";
    if (t === "static" || t === "redirect") facts.zones.push(z);
    else {
      const names = new Set(z.records.map((r) => r.name));
      for (const n of names) {
        const fq = n === "@" ? name : `${n}.${name}`;
        facts.zones.push({
          name: fq,
          records: z.records.filter((r) => r.name === n).map((r) => ({ ...r, name: "@" })),
        });
      }
    }
  }
  for (const [name, z] of localZones)
    if (z.type === "static" && !zones.has(name)) facts.zones.push({ name, records: [] });
  if (!facts.line) facts.line = 1;
  return { facts, notes };
}
