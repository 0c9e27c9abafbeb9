// POST .../deployments/{name}/whatIf: the deployment run in a sandbox over the world (the real
// providers, nothing written), Azure's resource changes from it, and — an extra field clients
// ignore — the machines whose verdicts the deployment would change, from the existing what-if
// analysis (src/analysis/whatIf.ts) fed the writes the deployment would make. The sandbox and the
// analysis come from the composition root (the engine's `whatIf`, analysis/deploymentWhatIf.ts).
import { ArmError } from "../../core/armError.js";
import { keyOf } from "../../core/resourceId.js";
import { ArmEngine, VerdictChanges } from "../engine.js";
import { changeOf, untouched, WhatIfChange } from "../../templates/whatIfChanges.js";
import { Json } from "../../templates/template.js";
import { deploy, DeploymentInput, Engine, notInTemplate } from "./deploymentEngine.js";

export interface DeploymentWhatIf {
  status: "Succeeded" | "Failed";
  properties?: { changes: WhatIfChange[] };
  error?: unknown;
  /** ArcLink's addition: the machines whose verdicts would change, and the findings added/resolved. */
  arclink?: {
    hosts: VerdictChanges["hosts"];
    verdictChanges: VerdictChanges["changes"];
    findings: VerdictChanges["findings"];
  };
}

export async function deploymentWhatIf(s: ArmEngine, input: DeploymentInput): Promise<DeploymentWhatIf> {
  const support = s.whatIf;
  if (!support)
    throw new ArmError(400, "WhatIfNotSupported", "What-if is not available here: ask the ArcLink server.");
  const sb = support.sandbox();
  const engine: Engine = { services: sb.engine, call: sb.call, tenantId: input.scope.tenantId };
  // The deployment's own record is written in the sandbox only.
  const out = await deploy(engine, input);
  if (out.run.error) return { status: "Failed", error: out.run.error };
  const changes: WhatIfChange[] = [];
  const seen = new Set<string>();
  for (const w of out.run.writes) {
    const k = keyOf(w.id);
    if (seen.has(k)) continue;
    seen.add(k);
    const now = s.world.get(w.id);
    const next = sb.engine.world.get(w.id);
    const before = now ? { ...s.project(now), apiVersion: w.apiVersion } : undefined;
    const after = next ? { ...sb.engine.project(next), apiVersion: w.apiVersion } : undefined;
    changes.push(changeOf(w.id, w.body, before, after));
  }
  const mode =
    String((input.body.properties as Json).mode).toLowerCase() === "complete" ? "Complete" : "Incremental";
  if (input.scope.resourceGroup) {
    const real: Engine = { services: s, call: engine.call, tenantId: input.scope.tenantId };
    changes.push(
      ...untouched(notInTemplate(real, input.scope.subscriptionId, input.scope.resourceGroup, seen), mode),
    );
  }
  changes.sort((a, b) => a.resourceId.toLowerCase().localeCompare(b.resourceId.toLowerCase()));
  const deletes = changes.filter((c) => c.changeType === "Delete").map((c) => c.resourceId);
  let report: VerdictChanges;
  try {
    report = await support.verdicts(
      out.run.writes.map((w) => ({
        method: "PUT" as const,
        id: w.id,
        apiVersion: w.apiVersion,
        body: w.body,
        type: w.type,
        name: w.id.split("/").pop()!,
      })),
      deletes,
    );
  } catch (e) {
    if (e instanceof ArmError) return { status: "Failed", error: e.toBody().error };
    throw e;
  }
  return {
    status: "Succeeded",
    properties: { changes },
    arclink: { hosts: report.hosts, verdictChanges: report.changes, findings: report.findings },
  };
}
