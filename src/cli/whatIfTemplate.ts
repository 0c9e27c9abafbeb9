// `arclink what-if --template FILE [--parameters FILE] --resource-group G`: the deployment what-if
// of an ARM template on the running ArcLink — Azure's resource changes, then the machines whose
// verdicts the deployment would change (ArcLink's addition to the what-if result).
import { readFileSync } from "node:fs";
import { WhatIfReport } from "../analysis/whatIf.js";
import { JsoncError, parseJsonc } from "../templates/jsonc.js";
import { ArmClient, readReady } from "./client.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { colorEnabled } from "./terminal.js";
import { renderWhatIf } from "./whatIfRender.js";

function readJsonc(file: string): any {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`Cannot read ${file}: ${(e as Error).message}`, EXIT.input);
  }
  try {
    return parseJsonc(text).value;
  } catch (e) {
    if (e instanceof JsoncError) throw new CliError(`${file}: ${e.message}`, EXIT.input);
    throw e;
  }
}

const SYMBOL: Record<string, string> = {
  Create: "+",
  Delete: "-",
  Modify: "~",
  NoChange: "=",
  Ignore: "*",
  Deploy: "!",
};

export async function templateWhatIf(
  flags: Flags,
  file: string,
  json: boolean,
  trace: boolean,
): Promise<number> {
  const paramsFile = flags.optString("parameters");
  const rg = flags.optString("resource-group");
  const mode = flags.optString("mode") ?? "Incremental";
  if (!rg)
    throw new CliError(
      "--template needs --resource-group G (the group the template deploys to).",
      EXIT.usage,
    );
  const client = new ArmClient(readReady(flags));
  const template = readJsonc(file);
  let parameters: any = {};
  if (paramsFile) {
    const p = readJsonc(paramsFile);
    // A deployment parameters file ({ $schema, contentVersion, parameters }) or the parameters object itself.
    parameters =
      p && typeof p === "object" && p.parameters && typeof p.parameters === "object" ? p.parameters : p;
  }
  const path = client.sub(
    `/resourceGroups/${rg}/providers/Microsoft.Resources/deployments/arclink-what-if/whatIf`,
  );
  const result = await client.call(
    "POST",
    path,
    { properties: { mode, template, parameters } },
    "2021-04-01",
  );
  if (json) {
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  } else if (result.status !== "Succeeded") {
    const e = result.error ?? {};
    const details = (e.details ?? []).map((d: any) => `\n  ${d.code}: ${d.message}`).join("");
    throw new CliError(`The deployment would fail: ${e.code}: ${e.message}${details}`, EXIT.input);
  } else {
    const lines = (result.properties?.changes ?? []).map(
      (c: any) =>
        `  ${SYMBOL[c.changeType] ?? "?"} ${c.changeType} ${c.resourceId}` +
        (c.delta ?? []).map((d: any) => `\n      ${d.propertyChangeType} ${d.path}`).join(""),
    );
    process.stdout.write(
      `Resource changes (${result.properties?.changes?.length ?? 0}):\n${lines.join("\n")}\n\n`,
    );
    const a = result.arclink;
    const report = {
      change: { applied: [] },
      hosts: a.hosts,
      changes: a.verdictChanges,
      findings: a.findings,
    } as unknown as WhatIfReport;
    process.stdout.write(
      renderWhatIf(report, trace, colorEnabled(process.stdout)).replace(/^what-if: \n/, ""),
    );
  }
  if (result.status !== "Succeeded") return EXIT.input;
  return (result.arclink?.verdictChanges ?? []).some(
    (c: any) => c.after?.verdict === "refused" && c.before?.verdict !== "refused",
  )
    ? EXIT.refused
    : EXIT.ok;
}
