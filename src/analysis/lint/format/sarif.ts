// SARIF 2.1.0: every rule in runs[0].tool.driver.rules; each finding a result with its rule,
// level, message, logical locations (the ARM ids) and, for a topology file, physical locations
// (the file and the line that declares the resource).
import { LintReport } from "../lint.js";
import { Rule } from "../types.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

function pascal(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

function ruleDescriptor(r: Rule) {
  return {
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.title },
    fullDescription: { text: r.why },
    help: { text: `${r.fix}`, markdown: `**Why:** ${r.why}\n\n**Fix:** ${r.fix}` },
    defaultConfiguration: { level: r.severity },
  };
}

export function toSarif(
  r: LintReport,
  locate?: (id: string) => { file: string; line: number } | undefined,
): any {
  const rules = r.rules.map(ruleDescriptor);
  const index = new Map(rules.map((x, i) => [x.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "arclink lint",
            informationUri: "https://github.com/arclink/arclink",
            version: "0.1.0",
            rules,
          },
        },
        results: r.findings.map((f) => {
          const physical = f.resources.map((id) => locate?.(id)).find((x) => x);
          return {
            ruleId: f.ruleId,
            ruleIndex: index.get(f.ruleId),
            level: f.severity,
            message: { text: `${f.message} Fix: ${f.fix}` },
            locations: [
              {
                ...(physical
                  ? {
                      physicalLocation: {
                        artifactLocation: { uri: physical.file },
                        region: { startLine: physical.line },
                      },
                    }
                  : {}),
                logicalLocations: f.resources.map((id) => ({
                  fullyQualifiedName: id,
                  name: id.split("/").pop(),
                  kind: "resource",
                })),
              },
            ],
            properties: {
              machines: f.machines,
              ...(f.host ? { host: f.host, endpoint: f.endpoint, reason: f.reason } : {}),
              fixPlan: f.fixPlan,
            },
          };
        }),
        ...(r.files ? { artifacts: r.files.map((uri) => ({ location: { uri } })) } : {}),
      },
    ],
  };
}
