// SARIF 2.1.0 as GitHub code scanning ingests it: every rule in runs[0].tool.driver.rules (with
// the Azure Policy built-ins that govern it in its help and properties); each finding a result
// with its rule, level, message, a physical location (the input file that holds the resource, as
// a URI relative to the SRCROOT base, and the resource's line) beside its logical locations (the
// ARM ids), and partialFingerprints from the finding's key (rule, primary resource, endpoint;
// never the message), so an alert keeps its identity while its text or line changes.
import { isAbsolute, relative, resolve, sep } from "node:path";
import { LintReport } from "../lint.js";
import { findingFingerprint } from "../findingKey.js";
import { policiesOf, policyHelp } from "../governance.js";
import { Finding, Rule } from "../types.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

/** The uriBaseId every artifact URI is relative to: the directory lint was run from. */
export const SRCROOT = "SRCROOT";

/** The fingerprint's name and version (a change of key derivation gets a new version). */
export const FINGERPRINT = "arclinkFindingKey/v2";

function pascal(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

/** A result's fingerprint: from the finding's key (rule, primary resource, endpoint; never its message). */
export function fingerprintOf(f: Pick<Finding, "key">): string {
  return findingFingerprint(f.key);
}

function ruleDescriptor(r: Rule) {
  const policies = policiesOf(r.id);
  const help = policyHelp(r.id);
  return {
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.title },
    fullDescription: { text: r.why },
    help: {
      text: `${r.fix}${help ? ` ${help}` : ""}`,
      markdown:
        `**Why:** ${r.why}\n\n**Fix:** ${r.fix}` +
        (policies.length
          ? `\n\n**Azure Policy:**\n${policies.map((p) => `- ${p.displayName} (\`${p.definitionId}\`, ${p.effects.join("/")}): ${p.relation}`).join("\n")}`
          : ""),
    },
    defaultConfiguration: { level: r.severity },
    properties: {
      tags: ["azure-arc", "private-link", ...(policies.length ? ["azure-policy"] : [])],
      ...(policies.length
        ? {
            azurePolicy: policies.map((p) => ({
              displayName: p.displayName,
              definitionId: p.definitionId,
              effects: p.effects,
              relation: p.relation,
            })),
          }
        : {}),
    },
  };
}

export interface SarifOptions {
  /** The directory artifact URIs are relative to (SRCROOT); default the current directory. */
  root?: string;
}

/** A path as a URI relative to the root, with '/' separators and each segment escaped. */
export function relativeUri(file: string, root: string): string {
  const abs = isAbsolute(file) ? file : resolve(root, file);
  const rel = relative(root, abs) || abs;
  return rel.split(sep).map(encodeURIComponent).join("/");
}

export function toSarif(
  r: LintReport,
  locate?: (id: string) => { file: string; line: number } | undefined,
  opts: SarifOptions = {},
): any {
  const root = resolve(opts.root ?? process.cwd());
  const rules = r.rules.map(ruleDescriptor);
  const index = new Map(rules.map((x, i) => [x.id, i]));
  const uri = (file: string) => ({ uri: relativeUri(file, root), uriBaseId: SRCROOT });
  // A finding on a resource no file declares (a resource group the export implies) is placed at
  // the top of the first input, so every result has a file to show.
  const fallback = r.files?.length ? { file: r.files[0], line: 1 } : undefined;
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
        ...(r.files
          ? {
              originalUriBaseIds: {
                [SRCROOT]: {
                  description: {
                    text: "The directory arclink lint was run from (the repository root in CI).",
                  },
                },
              },
            }
          : {}),
        results: r.findings.map((f) => {
          const physical = f.resources.map((id) => locate?.(id)).find((x) => x) ?? fallback;
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
                        artifactLocation: uri(physical.file),
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
            partialFingerprints: { [FINGERPRINT]: fingerprintOf(f) },
            properties: {
              machines: f.machines,
              ...(f.machinesTotal !== undefined ? { machinesTotal: f.machinesTotal } : {}),
              ...(f.host ? { host: f.host, endpoint: f.endpoint, reason: f.reason } : {}),
              fixPlan: f.fixPlan,
            },
          };
        }),
        ...(r.files ? { artifacts: r.files.map((file) => ({ location: uri(file) })) } : {}),
      },
    ],
  };
}
