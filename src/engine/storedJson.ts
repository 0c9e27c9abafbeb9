// Each stored revision's body serialized once: a list answers with the JSON text of its items,
// kept per World entry as UTF-8 bytes (a new entry, hence new text, on every committed write) and
// checked against the entry's revision. A page is those bytes copied into one buffer: no string
// of the whole page is built, measured or encoded per request. Only for bodies that GET returns as
// stored (no read-time projection).
import { Entry } from "../world/world.js";
import { JsonText } from "../core/jsonText.js";
import { page } from "./paging.js";
import { ArmRequest, ArmResponse } from "./context.js";

const texts = new WeakMap<Entry, { rev: unknown; bytes: Buffer }>();

/** The JSON text of a stored entry's body as UTF-8, serialized on first use. */
export function storedJson(e: Entry): Buffer {
  const hit = texts.get(e);
  if (hit && hit.rev === e.rev) return hit.bytes;
  const bytes = Buffer.from(JSON.stringify(e.body), "utf8");
  texts.set(e, { rev: e.rev, bytes });
  return bytes;
}

const OPEN = Buffer.from('{"value":[');
const COMMA = Buffer.from(",");

/** page() over stored entries whose bodies are returned as stored, answered as JSON text. */
export function pageStored(r: ArmRequest, entries: Entry[]): ArmResponse {
  const out = page(r, entries);
  const body = out.body as { value: Entry[]; nextLink?: string };
  const parts: Buffer[] = [OPEN];
  for (let i = 0; i < body.value.length; i++) {
    if (i) parts.push(COMMA);
    parts.push(storedJson(body.value[i]));
  }
  const tail = body.nextLink === undefined ? "]}" : `],"nextLink":${JSON.stringify(body.nextLink)}}`;
  parts.push(Buffer.from(tail));
  return { ...out, body: new JsonText(Buffer.concat(parts)) };
}
