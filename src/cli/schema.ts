// `arclink schema topology | onprem`: the JSON Schema of a topology file, or of lint's on-premises
// facts file, made from the schema the parser checks with (src/topology/schema.ts). Editors read it
// for completion and checking: the examples name the copy in schemas/ on their first line.
import { ONPREM_SCHEMA } from "../analysis/export/onpremSchema.js";
import { jsonSchemaOf } from "../topology/jsonSchema.js";
import { TOPOLOGY_SCHEMA } from "../topology/schema.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec } from "./grammar.js";

/** The published schemas, by the word that names them. */
export const JSON_SCHEMAS = {
  topology: () =>
    jsonSchemaOf(TOPOLOGY_SCHEMA, {
      title: "ArcLink topology file",
      description:
        "An Azure Arc Private Link rollout: the Azure side and the on-premises network (arclink apply -f, serve --topology, lint --topology).",
    }),
  onprem: () =>
    jsonSchemaOf(ONPREM_SCHEMA, {
      title: "ArcLink on-premises facts",
      description:
        "What Azure cannot export: sites, site connections, DNS servers, hosts, firewalls and proxies (arclink lint --onprem).",
    }),
};

export const SCHEMA: CommandSpec = {
  name: "schema",
  summary: "Print the JSON Schema of a topology file or of lint's on-premises facts, for editors.",
  usage: ["topology | onprem"],
  args: { max: 1, words: Object.keys(JSON_SCHEMAS) },
  flags: [],
  description: [
    "The schema the files are checked with, as JSON Schema (draft-07). Name it on a YAML file's first",
    "line for completion and checking in editors that use yaml-language-server:",
    "  # yaml-language-server: $schema=../schemas/topology.schema.json",
    "It cannot say everything the reader checks (references between sections, overlapping",
    "prefixes, host bits); arclink apply --dry-run and arclink lint do.",
  ].join("\n"),
  exits: "0 printed, 2 usage.",
  run: async (flags: Flags) => {
    const which = flags.positional[0] as keyof typeof JSON_SCHEMAS | undefined;
    if (which === undefined)
      throw new CliError("Say which schema: arclink schema topology | onprem.", EXIT.usage);
    process.stdout.write(JSON.stringify(JSON_SCHEMAS[which](), null, 2) + "\n");
  },
};
