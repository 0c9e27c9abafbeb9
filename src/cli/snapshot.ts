// `arclink snapshot save NAME | restore NAME | list | delete NAME`: named copies of the whole world
// (resources, virtual clock, directory), for test suites that reset ArcLink
// between tests without restarting it. Through ARM: /providers/ArcLink.Lab/snapshots.
import { ArmClient, readReady } from "./client.js";
import { CliError, EXIT, Flags } from "./flags.js";
import { CommandSpec, TARGET_FLAGS } from "./grammar.js";

const USAGE = "Usage: arclink snapshot save NAME | restore NAME | list | delete NAME  [--json]";

export const SNAPSHOT: CommandSpec = {
  name: "snapshot",
  summary: "Save or restore the whole world (resources, virtual clock, directory) without restarting.",
  usage: ["save NAME | restore NAME | delete NAME [--json]", "list [--json]"],
  args: { max: 2, words: ["save", "restore", "list", "delete"] },
  flags: [{ name: "json", kind: "boolean", help: "the result as JSON" }, ...TARGET_FLAGS],
  exits: "0 done, 1 refused, 2 usage, 3 no such snapshot, 4 no running ArcLink.",
  run: snapshotCommand,
};

export async function snapshotCommand(flags: Flags): Promise<void> {
  const json = flags.has("json");
  const [verb, name, extra] = flags.positional;
  if (!verb || (verb === "list" ? name !== undefined : !name || extra !== undefined))
    throw new CliError(USAGE, EXIT.usage);
  const client = new ArmClient(readReady(flags));
  const path = (n: string) => `/providers/ArcLink.Lab/snapshots/${encodeURIComponent(n)}`;
  const out = (r: any, text: string) =>
    process.stdout.write(json ? JSON.stringify(r, null, 2) + "\n" : text + "\n");
  if (verb === "list" && !name) {
    const r = await client.call("GET", "/providers/ArcLink.Lab/snapshots");
    const rows = (r.value as any[]).map(
      (x) => `${String(x.name).padEnd(24)} ${x.properties.savedAt}  ${x.properties.resources} resources`,
    );
    out(r, rows.length ? rows.join("\n") : "No snapshots. Save one with: arclink snapshot save NAME");
    return;
  }
  if (verb === "save") {
    const r = await client.call("PUT", path(name));
    out(
      r,
      `Saved snapshot ${r.name}: ${r.properties.resources} resources (sequence ${r.properties.sequence}).`,
    );
  } else if (verb === "restore") {
    const r = await client.call("POST", `${path(name)}/restore`);
    out(
      r,
      `Restored snapshot ${r.name} (${r.properties.resources} resources, saved ${r.properties.savedAt}).`,
    );
  } else {
    await client.call("DELETE", path(name));
    out({ name, deleted: true }, `Deleted snapshot ${name} (if it existed).`);
  }
}
