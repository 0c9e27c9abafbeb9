// An export of a real environment (and its on-premises facts) as a sandbox world to lint.
import { LintSource } from "../lint/context.js";
import { Sandbox } from "../lint/sandbox.js";
import { importExport, ExportOptions } from "./azure.js";
import { onpremSteps } from "./onprem.js";
import { markExported } from "../../network/provenance.js";

export { ExportError, importExport } from "./azure.js";

export async function sandboxFromExport(
  exportText: string,
  exportFile: string,
  onprem?: { text: string; file: string },
  opts: ExportOptions = {},
): Promise<{ sandbox: Sandbox; source: LintSource }> {
  const resources = markExported(importExport(exportText, exportFile, opts));
  const sandbox = new Sandbox({ resources });
  if (onprem) {
    const { steps } = onpremSteps(onprem.text, onprem.file, resources);
    await sandbox.applySteps(steps, onprem.file);
  }
  return { sandbox, source: { kind: "export", files: [exportFile, ...(onprem ? [onprem.file] : [])] } };
}
