// Each stored revision's body serialized once: a list answers with the JSON text of its items,
// kept per World entry (a new entry, hence new text, on every committed write) and checked
// against the entry's revision. Only for bodies that GET returns as stored (no read-time projection).
import { Entry } from "../../world/world.js";
import { JsonText } from "../http.js";
import { page } from "./paging.js";
import { ArmRequest, ArmResponse } from "./context.js";

const texts = new WeakMap<Entry, { rev: unknown; text: string }>();

/** The JSON text of a stored entry's body, serialized on first use. */
export function storedJson(e: Entry): string {
  const hit = texts.get(e);
  if (hit && hit.rev === e.rev) return hit.text;
  const text = JSON.stringify(e.body);
  texts.set(e, { rev: e.rev, text });
  return text;
}

/** page() over stored entries whose bodies are returned as stored, answered as JSON text. */
export function pageStored(r: ArmRequest, entries: Entry[]): ArmResponse {
  const out = page(r, entries);
  const body = out.body as { value: Entry[]; nextLink?: string };
  let text = '{"value":[';
  for (let i = 0; i < body.value.length; i++) text += (i ? "," : "") + storedJson(body.value[i]);
  text += "]";
  if (body.nextLink !== undefined) text += `,"nextLink":${JSON.stringify(body.nextLink)}`;
  return { ...out, body: new JsonText(text + "}") };
}
