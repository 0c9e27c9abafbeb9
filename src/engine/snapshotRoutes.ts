// Snapshots of the whole world, for test suites that reset ArcLink between tests:
//   GET    /providers/ArcLink.Lab/snapshots                 every snapshot
//   PUT    /providers/ArcLink.Lab/snapshots/{name}          save (replaces one of the same name)
//   GET    /providers/ArcLink.Lab/snapshots/{name}          one snapshot
//   POST   /providers/ArcLink.Lab/snapshots/{name}/restore  make the world the snapshot's again
//   DELETE /providers/ArcLink.Lab/snapshots/{name}
// Only a service principal of this directory may call them (as for the clock).
// A snapshot holds every resource, the virtual clock and the directory (so tokens issued before it
// stay valid after a restore). On SQLite it is a file of the data folder (<data>/snapshots/NAME.db,
// SQLite's online backup of the database); on PostgreSQL it is kept in the database, so every
// replica lists and restores the same ones, and a restore is seen by every replica (each reloads
// its World).
import { ArmError } from "../core/armError.js";
import { StoreTooNewError } from "../store/schema.js";
import { SnapshotInfo, SnapshotUnreadableError } from "../store/store.js";
import { ArmRequest, ArmResponse, ArmServices } from "./context.js";
import { checkDirectoryPrincipal } from "./principalCheck.js";

const BASE = "/providers/arclink.lab/snapshots";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

export async function snapshotRoute(s: ArmServices, r: ArmRequest): Promise<ArmResponse | undefined> {
  const p = r.path.toLowerCase().replace(/\/+$/, "");
  if (p !== BASE && !p.startsWith(BASE + "/")) return undefined;
  // The lab as a whole, like the clock: a service principal of this directory only.
  checkDirectoryPrincipal(s, r);
  const snaps = s.snapshots;
  if (!snaps)
    throw new ArmError(
      400,
      "SnapshotsNotSupported",
      "This server's store keeps no snapshots (a sandbox store). Use arclink serve with SQLite or PostgreSQL.",
    );
  const rest = r.path.replace(/\/+$/, "").slice(BASE.length).split("/").filter(Boolean);
  if (!rest.length) {
    only(r, "GET");
    return { status: 200, body: { value: (await snaps.list()).map(view) } };
  }
  const name = rest[0];
  if (!NAME.test(name))
    throw new ArmError(
      400,
      "InvalidSnapshotName",
      `'${name}' is not a snapshot name: use 1 to 80 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    );
  const notFound = () =>
    new ArmError(
      404,
      "SnapshotNotFound",
      `No snapshot '${name}'. Save one first (PUT ${BASE}/${name}) or list them (GET ${BASE}).`,
    );
  if (rest.length === 2 && rest[1].toLowerCase() === "restore") {
    only(r, "POST");
    const info = await snaps.restore(name).catch((e: unknown) => {
      // The snapshot's file is from a newer build, or damaged: refused, the world unchanged.
      if (e instanceof StoreTooNewError) throw new ArmError(409, "SnapshotFromNewerBuild", e.message);
      if (e instanceof SnapshotUnreadableError) throw new ArmError(409, "SnapshotUnreadable", e.message);
      throw e;
    });
    if (!info) throw notFound();
    return { status: 200, body: { ...view(info), status: "Restored" } };
  }
  if (rest.length !== 1) return undefined;
  if (r.method === "PUT") {
    const existed = (await snaps.list()).some((x) => x.name === name);
    return { status: existed ? 200 : 201, body: view(await snaps.save(name)) };
  }
  if (r.method === "GET") {
    const info = (await snaps.list()).find((x) => x.name === name);
    if (!info) throw notFound();
    return { status: 200, body: view(info) };
  }
  if (r.method === "DELETE") return { status: (await snaps.delete(name)) ? 200 : 204 };
  throw new ArmError(
    405,
    "MethodNotAllowed",
    `${r.method} is not supported on a snapshot; use GET, PUT or DELETE.`,
  );
}

function only(r: ArmRequest, method: string): void {
  if (r.method !== method)
    throw new ArmError(405, "MethodNotAllowed", `${r.method} is not supported on ${r.path}; use ${method}.`);
}

function view(x: SnapshotInfo) {
  return {
    id: `/providers/ArcLink.Lab/snapshots/${x.name}`,
    name: x.name,
    type: "ArcLink.Lab/snapshots",
    properties: { savedAt: x.savedAt, sequence: x.seq, resources: x.resources },
  };
}
