// How far the server lets V8's heap grow past what is live.
//
// Between full collections V8 lets the old generation grow by a factor it picks from how fast the
// program allocates: up to four times what survived the last full collection. A server that holds
// 100,000 machines (about 340 MiB live) and onboards or heartbeats them allocates fast, so by default
// its heap reaches 1.3-1.6 GiB of which three quarters is garbage awaiting collection. ArcLink caps
// the growth factor instead (1 + percent/100; 50 % by default): full collections come sooner, each
// costs the same (they trace what is live, not the garbage), and resident memory stays within about
// twice the live heap. 0 leaves V8's own heuristic. A --heap-growing-percent given to node itself
// (on its command line or in NODE_OPTIONS) wins over both.
import { setFlagsFromString } from "node:v8";

export const DEFAULT_HEAP_GROWTH_PERCENT = 50;

export interface HeapGrowth {
  /** The growth percent in force: 0 means V8's own heuristic. */
  percent: number;
  /** Who decided it. */
  by: "arclink" | "node" | "v8";
}

let applied: HeapGrowth | undefined;

function givenToNode(): number | undefined {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  for (const a of args) {
    const m = /^--heap[-_]growing[-_]percent=(\d+)$/.exec(a);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Sets the growth cap for this process (V8 flags are per process: the last call wins). */
export function boundHeapGrowth(percent: number = DEFAULT_HEAP_GROWTH_PERCENT): HeapGrowth {
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000)
    throw new RangeError(`heap growth must be a whole percent from 0 to 1000, got ${percent}`);
  const fromNode = givenToNode();
  if (fromNode !== undefined) return (applied = { percent: fromNode, by: "node" });
  // V8 reads the flag each time it sets the next collection's limit, so setting it at run time holds.
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return (applied = { percent, by: percent === 0 ? "v8" : "arclink" });
}

/** What boundHeapGrowth last set (V8's own heuristic if it was never called). */
export function heapGrowth(): HeapGrowth {
  if (applied) return applied;
  const fromNode = givenToNode();
  return fromNode === undefined ? { percent: 0, by: "v8" } : { percent: fromNode, by: "node" };
}
