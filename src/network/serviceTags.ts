// Service tags: which Azure service an address belongs to, and which addresses a tag holds.
// Loaded from a ServiceTags_Public file (the bundled default, or the user's real download).
import { readFileSync } from "node:fs";
import { Cidr, cidrContainsIp, parseCidr, parseIpv4 } from "../core/ip.js";
import { DEFAULT_SERVICE_TAGS } from "./serviceTagsDefault.js";

export interface ServiceTag {
  name: string;
  region: string;
  prefixes: Cidr[];
}

export class ServiceTags {
  private byName = new Map<string, ServiceTag>();
  readonly changeNumber: number;

  constructor(doc: unknown) {
    const d = doc as {
      changeNumber?: number;
      values?: Array<{ name: string; properties?: { region?: string; addressPrefixes?: string[] } }>;
    };
    if (!d || !Array.isArray(d.values)) {
      throw new Error(
        "Not a ServiceTags file: expected an object with a 'values' array (Azure's ServiceTags_Public format).",
      );
    }
    this.changeNumber = Number(d.changeNumber ?? 0);
    for (const v of d.values) {
      const prefixes = (v.properties?.addressPrefixes ?? [])
        .map((p) => parseCidr(p))
        .filter((c): c is Cidr => !!c);
      this.byName.set(v.name.toLowerCase(), { name: v.name, region: v.properties?.region ?? "", prefixes });
    }
  }

  static default(): ServiceTags {
    return new ServiceTags(DEFAULT_SERVICE_TAGS);
  }

  static fromFile(path: string): ServiceTags {
    return new ServiceTags(JSON.parse(readFileSync(path, "utf8")));
  }

  tag(name: string): ServiceTag | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** True when `ip` lies in the tag's prefixes. */
  contains(tagName: string, ip: string): boolean {
    const t = this.tag(tagName);
    const n = parseIpv4(ip);
    return !!t && n !== undefined && t.prefixes.some((c) => cidrContainsIp(c, n));
  }

  /** Every tag (global ones first) holding the address: answers "which service is this?". */
  tagsOf(ip: string): string[] {
    const n = parseIpv4(ip);
    if (n === undefined) return [];
    const out: string[] = [];
    for (const t of this.byName.values()) if (t.prefixes.some((c) => cidrContainsIp(c, n))) out.push(t.name);
    return out.sort(
      (a, b) =>
        Number(a.includes(".")) - Number(b.includes(".")) ||
        (a === "AzureCloud" ? 1 : b === "AzureCloud" ? -1 : 0),
    );
  }

  /** A stable address inside the tag for a name (so public answers are deterministic). */
  addressFor(tagName: string, key: string): string | undefined {
    const t = this.tag(tagName);
    if (!t || t.prefixes.length === 0) return undefined;
    let h = 2166136261;
    for (const ch of key.toLowerCase()) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    const c = t.prefixes[h % t.prefixes.length];
    const size = c.last - c.first + 1;
    const offset = size <= 2 ? 0 : 1 + (h % (size - 2));
    const n = (c.first + offset) >>> 0;
    return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  }
}
