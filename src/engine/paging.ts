// nextLink paging: $top sets the page size, an opaque $skipToken where to continue; api-version is kept.
// The token carries the offset and the ids of the page's last items: the next page starts after
// the first of them that still exists, so writes between pages (a deletion before the boundary,
// an update) neither skip nor repeat items. The offset is the fallback when none is left.
import { ArmError } from "../core/armError.js";
import { ArmRequest, ArmResponse } from "./context.js";

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const ANCHORS = 3;

interface Cursor {
  /** Offset of the next item when the page was served. */
  o: number;
  /** Lower-cased ids of the page's last items, the last one first. */
  k?: string[];
}

function idKey(item: unknown): string | undefined {
  const id = (item as { id?: unknown } | null | undefined)?.id;
  return typeof id === "string" ? id.toLowerCase() : undefined;
}

function badToken(): ArmError {
  return new ArmError(
    400,
    "InvalidSkipToken",
    "The $skipToken is not one this server issued. Start the list again without $skipToken.",
  );
}

function readCursor(text: string): Cursor {
  const decoded = Buffer.from(text, "base64url").toString("utf8");
  if (/^\d+$/.test(decoded)) return { o: Number(decoded) };
  let c: Cursor;
  try {
    c = JSON.parse(decoded) as Cursor;
  } catch {
    throw badToken();
  }
  if (
    typeof c !== "object" ||
    c === null ||
    !Number.isInteger(c.o) ||
    c.o < 0 ||
    (c.k !== undefined && (!Array.isArray(c.k) || c.k.some((x) => typeof x !== "string")))
  ) {
    throw badToken();
  }
  return c;
}

/** Where the next page starts: after the first anchor still listed, else at the offset. */
function startOf(items: unknown[], c: Cursor): number {
  for (const anchor of c.k ?? []) {
    const i = items.findIndex((x) => idKey(x) === anchor);
    if (i >= 0) return i + 1;
  }
  return c.o;
}

export function page(r: ArmRequest, items: unknown[]): ArmResponse {
  const topText = r.query.get("$top");
  let size = DEFAULT_PAGE;
  if (topText !== null) {
    const top = Number(topText);
    if (!Number.isInteger(top) || top < 1) {
      throw new ArmError(400, "InvalidTopParameter", `$top must be a positive integer, got '${topText}'.`);
    }
    size = Math.min(top, MAX_PAGE);
  }
  const skipText = r.query.get("$skipToken") ?? r.query.get("$skiptoken");
  const skip = skipText === null ? 0 : startOf(items, readCursor(skipText));
  const value = items.slice(skip, skip + size);
  const body: { value: unknown[]; nextLink?: string } = { value };
  if (skip + size < items.length) {
    const anchors: string[] = [];
    for (let i = value.length - 1; i >= 0 && anchors.length < ANCHORS; i--) {
      const k = idKey(value[i]);
      if (k) anchors.push(k);
    }
    const cursor: Cursor = anchors.length ? { o: skip + size, k: anchors } : { o: skip + size };
    const q = new URLSearchParams(r.query);
    q.delete("$skiptoken");
    q.set("$skipToken", Buffer.from(JSON.stringify(cursor)).toString("base64url"));
    body.nextLink = `${r.baseUrl}${r.path
      .split("/")
      .map((s) => encodeURIComponent(s))
      .join("/")}?${q.toString()}`;
  }
  return { status: 200, body };
}
