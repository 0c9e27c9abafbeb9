// If-Match / If-None-Match as ARM's RPC addendum defines them.
import { errors } from "../core/armError.js";
import { Entry } from "../world/world.js";

function tags(h: string): string[] {
  return h.split(",").map((s) => s.trim());
}

function matches(list: string[], etag: string | undefined): boolean {
  if (!etag) return false;
  const norm = (s: string) => s.replace(/^W\//, "").replace(/^"|"$/g, "");
  return list.some((t) => t === "*" || norm(t) === norm(etag));
}

export function checkConditions(
  method: "PUT" | "PATCH" | "DELETE",
  ifMatch: string | undefined,
  ifNoneMatch: string | undefined,
  existing: Entry | undefined,
): void {
  const etag = existing?.body.etag as string | undefined;
  if (ifMatch !== undefined) {
    if (!existing) {
      if (method === "PUT") {
        throw errors.preconditionFailed(
          `The resource does not exist, so the If-Match condition '${ifMatch}' cannot be met. Remove If-Match to create it.`,
        );
      }
      return; // PATCH → 404 and DELETE → 204 are decided by the caller
    }
    const list = tags(ifMatch);
    if (!(list.includes("*") || matches(list, etag))) {
      throw errors.preconditionFailed(
        `The condition specified using HTTP conditional header(s) is not met: If-Match '${ifMatch}' does not match the current ETag '${etag ?? ""}'. Read the resource again and retry with its current ETag.`,
      );
    }
  }
  if (ifNoneMatch !== undefined && existing) {
    const list = tags(ifNoneMatch);
    if (list.includes("*") || matches(list, etag)) {
      throw errors.preconditionFailed(
        `The resource already exists and If-None-Match '${ifNoneMatch}' was given. Remove If-None-Match to update it, or pick another name.`,
      );
    }
  }
}
