// nextLink paging: $top sets the page size, an opaque $skipToken the offset; api-version is kept.
import { ArmError } from "../../core/armError.js";
import { ArmRequest, ArmResponse } from "./context.js";

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

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
  let skip = 0;
  if (skipText !== null) {
    skip = Number(Buffer.from(skipText, "base64url").toString("utf8"));
    if (!Number.isInteger(skip) || skip < 0) {
      throw new ArmError(
        400,
        "InvalidSkipToken",
        "The $skipToken is not one this server issued. Start the list again.",
      );
    }
  }
  const value = items.slice(skip, skip + size);
  const body: { value: unknown[]; nextLink?: string } = { value };
  if (skip + size < items.length) {
    const q = new URLSearchParams(r.query);
    q.delete("$skiptoken");
    q.set("$skipToken", Buffer.from(String(skip + size)).toString("base64url"));
    body.nextLink = `${r.baseUrl}${r.path}?${q.toString()}`;
  }
  return { status: 200, body };
}
