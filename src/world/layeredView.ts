// A view that reads through another view plus pending puts and deletes (null), by key: what a
// write transaction and a group of writes not yet committed both see.
import { keyOf } from "../core/resourceId.js";
import { Entry, WorldView } from "./world.js";

export class LayeredView implements WorldView {
  protected readonly pending = new Map<string, Entry | null>();

  constructor(protected readonly base: WorldView) {}

  /** The view read through and the pending changes: lets indexes kept on the base serve this view. */
  layers(): { base: WorldView; pending: ReadonlyMap<string, Entry | null> } {
    return { base: this.base, pending: this.pending };
  }

  get(id: string): Entry | undefined {
    return this.getKeyed(keyOf(id), id);
  }

  getKeyed(key: string, id: string): Entry | undefined {
    // Pending values are entries or null (deleted), never undefined: one lookup tells both.
    const e = this.pending.get(key);
    if (e !== undefined) return e === null ? undefined : e;
    return readBase(this.base, key, id);
  }

  children(id: string, type?: string): Entry[] {
    const k = keyOf(id);
    const t = type?.toLowerCase();
    return this.merged(
      this.base.children(id, type),
      (e) => e.parentKey === k && (!t || e.type.toLowerCase() === t),
    );
  }

  ofType(type: string): Entry[] {
    const t = type.toLowerCase();
    return this.merged(this.base.ofType(type), (e) => e.type.toLowerCase() === t);
  }

  private merged(base: Entry[], wanted: (e: Entry) => boolean): Entry[] {
    if (!this.pending.size) return base;
    const out = new Map<string, Entry>();
    for (const e of base) out.set(e.key, e);
    for (const [key, e] of this.pending) {
      if (e !== null && wanted(e)) out.set(key, e);
      else out.delete(key);
    }
    return [...out.values()];
  }
}

/** `view.get(id)`, without lower-casing `id` again when the view can take the key. */
export function readBase(view: WorldView, key: string, id: string): Entry | undefined {
  return view.getKeyed ? view.getKeyed(key, id) : view.get(id);
}
