// An export of a real environment (and its on-premises facts, and the servers' own files they
// point at) as a sandbox world to lint, with where each resource was read.
import { keyOf } from "../../core/resourceId.js";
import { LintSource } from "../lint/context.js";
import { Sandbox } from "../lint/sandbox.js";
import { importExports, ExportOptions, InputNote, SourceMap } from "./azure.js";
import type { ReadFile } from "./bind.js";
import { fileReader } from "./files.js";
import { HostEvidence, onpremSteps } from "./onprem.js";
import { markExported } from "../../network/provenance.js";

export { ExportError, importExport, importExports } from "./azure.js";
export type { InputNote } from "./azure.js";

/** file:line of an id, or of its nearest ancestor that has one. */
export function locator(map: SourceMap): (id: string) => { file: string; line: number } | undefined {
  return (id: string) => {
    let k = keyOf(id);
    for (;;) {
      const l = map.get(k);
      if (l) return l;
      const cut = k.lastIndexOf("/");
      if (cut <= 0) return undefined;
      k = k.slice(0, cut);
    }
  };
}

export interface ExportInputs {
  /** One or more export files (az resource list, Resource Graph pages, per-type lists, a template). */
  exports: Array<{ text: string; file: string }>;
  /** The on-premises facts (YAML); the files it points at are read through `read`. */
  onprem?: { text: string; file: string };
  read?: ReadFile;
}

export async function sandboxFromFiles(
  inputs: ExportInputs,
  opts: ExportOptions = {},
): Promise<{
  sandbox: Sandbox;
  source: LintSource;
  notes: InputNote[];
  evidence: Map<string, HostEvidence>;
}> {
  const { resources, locations, notes } = importExports(inputs.exports, opts);
  // What the files hold is all that is known of these resources (a missing side stays unknown).
  markExported(resources);
  let evidence = new Map<string, HostEvidence>();
  let steps;
  if (inputs.onprem) {
    const r = onpremSteps(inputs.onprem.text, inputs.onprem.file, resources, inputs.read ?? fileReader());
    steps = r.steps;
    evidence = r.evidence;
    notes.push(...r.notes);
    for (const [k, v] of r.locations) locations.set(k, v);
  }
  const sandbox = new Sandbox({ resources });
  if (steps && inputs.onprem) await sandbox.applySteps(steps, inputs.onprem.file);
  const files = [...inputs.exports.map((e) => e.file), ...(inputs.onprem ? [inputs.onprem.file] : [])];
  const source: LintSource = {
    kind: "export",
    files,
    locate: locator(locations),
    ...(evidence.size ? { evidence } : {}),
    ...(notes.length ? { notes } : {}),
  };
  return { sandbox, source, notes, evidence };
}

export async function sandboxFromExport(
  exportText: string,
  exportFile: string,
  onprem?: { text: string; file: string },
  opts: ExportOptions = {},
): Promise<{ sandbox: Sandbox; source: LintSource }> {
  const r = await sandboxFromFiles({ exports: [{ text: exportText, file: exportFile }], onprem }, opts);
  return { sandbox: r.sandbox, source: r.source };
}
