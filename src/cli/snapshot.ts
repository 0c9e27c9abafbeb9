// `arclink snapshot save NAME | restore NAME | list | delete NAME`: named copies of the whole world
// (resources, virtual clock, directory), for test suites that reset ArcLink
// between tests without restarting it. Through ARM: /providers/ArcLink.Lab/snapshots.
import { ArmClient, readReady } from "./client.js";
import { CliError, Flags } from "./flags.js";

const USAGE =
  "Usage: arclink snapshot save NAME | restore NAME | list | delete NAME  [--ready-file F] [--json]";

export async function snapshotCommand(flags: Flags): Promise<void> {
  const client = new ArmClient(readReady(flags));
  const json = flags.has("json");
  flags.rejectUnknown();
  const [verb, name, extra] = flags.positional;
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
  if (!name || extra !== undefined || !["save", "restore", "delete"].includes(verb ?? ""))
    throw new CliError(USAGE, 2);
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
