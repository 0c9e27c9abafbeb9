// A proven fix plan as text: each step as something to run (the ARM call and the same call with
// `az rest`; on-premises, the change on the server named), the findings it resolves, the proof,
// the steps left out and why, and the findings with no safe plan with their owner's choices.
import { parseResourceId } from "../../../core/resourceId.js";
import { createRegistry } from "../../../providers/index.js";
import { forwarderLines } from "../../onpremLines.js";
import { ProvenPlan } from "../fixPlan.js";
import { FixStep } from "../types.js";

let registry: ReturnType<typeof createRegistry> | undefined;

function apiVersionOf(id: string): string {
  const p = parseResourceId(id);
  if (!p?.namespace) return "2025-04-01";
  const def = (registry ??= createRegistry()).type(`${p.namespace}/${p.types.join("/")}`);
  return def ? [...def.apiVersions].sort().at(-1)! : "2025-04-01";
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The ARM call, and the same call as `az rest` (Azure) — for ArcLink.Lab resources, the on-premises change it models. */
export function runnable(s: FixStep): string[] {
  if (s.kind === "onprem") {
    const out = [`on-premises ${s.target}: ${s.change}`];
    if (s.model) out.push(`  # tried as PUT ${s.model.id} in ArcLink's model of the site`);
    return out;
  }
  const v = apiVersionOf(s.id);
  const url = `https://management.azure.com${s.id}?api-version=${v}`;
  const lab = /\/providers\/ArcLink\.Lab\//i.test(s.id);
  if (lab) {
    const out = [`on-premises ${s.id.split("/").pop()}: ${s.why}`];
    const p = (s.body as any)?.properties ?? {};
    // A DNS server's conditional forwarders: the lines for the server software in use.
    if (/\/dnsServers\//i.test(s.id) && Array.isArray(p.conditionalForwarders))
      for (const c of p.conditionalForwarders)
        if (
          /(^|\.)(his\.arc|guestconfiguration|dp\.kubernetesconfiguration)\.azure\.com$/.test(
            String(c.domain),
          )
        )
          out.push(...forwarderLines([String(c.domain)], (c.targets ?? []).map(String)));
    if (/\/hosts\//i.test(s.id) && Array.isArray(p.dnsServers))
      out.push(
        `  DNS servers of ${s.id.split("/").pop()}: ${p.dnsServers.join(", ")} (resolv.conf / Set-DnsClientServerAddress)`,
      );
    out.push(`  # tried as ${s.method} ${s.id} in ArcLink's model of the site`);
    return out;
  }
  const body = s.body !== undefined ? JSON.stringify(s.body) : undefined;
  return [
    `${s.method} ${url}`,
    ...(body ? [`  ${body}`] : []),
    `az rest --method ${s.method.toLowerCase()} --url ${quote(url)}${body ? ` --body ${quote(body)}` : ""}`,
  ];
}

export function renderProvenPlan(p: ProvenPlan): string {
  const out: string[] = [];
  const ok = !p.proof.remaining.length && !p.proof.added.length && !p.proof.worse.length;
  if (p.steps.length) {
    out.push(
      `# Fix plan: ${p.steps.length} step(s), tried in the what-if sandbox before printing (${p.proof.calls} call(s) applied).`,
      `# Proof: ${p.targeted.length} targeted finding(s), ${p.proof.remaining.length} left; ${p.proof.added.length} new finding(s); ${p.proof.worse.length} verdict(s) changed from private; ${p.proof.resolved.length} finding(s) resolved in all.`,
    );
    if (!ok) out.push("# The plan did not prove out together: it is NOT safe to apply as printed.");
    p.steps.forEach((s, i) => {
      out.push(
        "",
        `## ${i + 1}. ${s.step.why}`,
        `#  resolves: ${s.resolves.join(", ")}`,
        ...runnable(s.step),
      );
    });
  } else out.push("# No step could be proven safe.");
  if (p.refused.length) {
    out.push("", "# Left out of the plan:");
    for (const r of p.refused)
      out.push(`  - ${runnable(r.step)[0]}`, `      because ${r.why} (${r.finding})`);
  }
  if (p.noSafePlan.length) {
    out.push("", "# No safe plan for these findings; the choices:");
    for (const n of p.noSafePlan) {
      out.push(`  ${n.finding}: ${n.message}`);
      for (const c of n.choices) out.push(`    - ${c}`);
    }
  }
  return out.join("\n") + "\n";
}
