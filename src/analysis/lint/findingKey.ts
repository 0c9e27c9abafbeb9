// A finding's identity apart from its text: (rule id, primary resource, endpoint or none). Two lint
// runs name the same problem with the same key even when the message changes (a count of machines,
// a list of names), so what-if can say added / resolved / changed, and SARIF can carry stable
// fingerprints. The message is never part of it.
import { createHash } from "node:crypto";
import { keyOf } from "../../core/resourceId.js";

export interface FindingKey {
  ruleId: string;
  /** The primary resource's ARM id, lower case ("" when a finding has none). */
  resource: string;
  /** The endpoint (FQDN, lower case) the finding is about, or null. */
  endpoint: string | null;
}

/** The parts of a finding the key is made of. */
export interface Keyed {
  ruleId: string;
  resources: readonly string[];
  endpoint?: string;
}

/** The key of a finding: its rule, its first resource, and its endpoint. */
export function findingKeyOf(f: Keyed): FindingKey {
  return {
    ruleId: f.ruleId,
    resource: f.resources[0] ? keyOf(f.resources[0]) : "",
    endpoint: f.endpoint ? f.endpoint.toLowerCase().replace(/\.$/, "") : null,
  };
}

/**
 * The stable string form: `<ruleId>|<resource id, lower case>|<endpoint or empty>`. Rule ids,
 * ARM ids and FQDNs never contain '|', so the form splits back unambiguously.
 */
export function formatFindingKey(k: FindingKey): string {
  return `${k.ruleId}|${k.resource}|${k.endpoint ?? ""}`;
}

export function parseFindingKey(s: string): FindingKey {
  const parts = s.split("|");
  if (parts.length !== 3 || !parts[0])
    throw new Error(`'${s}' is not a finding key (rule|resource|endpoint).`);
  return { ruleId: parts[0], resource: parts[1], endpoint: parts[2] || null };
}

/** The string key of a finding (what `Finding.key` holds). */
export function findingKey(f: Keyed): string {
  return formatFindingKey(findingKeyOf(f));
}

/**
 * A fingerprint of a key for tools that want an opaque, fixed-length value (SARIF
 * `partialFingerprints`): the first 32 hex digits of the key's SHA-256.
 */
export function findingFingerprint(key: string): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 32);
}
