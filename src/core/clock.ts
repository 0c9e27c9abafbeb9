// The virtual clock: real time plus an offset that `arclink time advance` moves forward.
// The offset lives in the world (resource ArcLink.Lab/clock/default) so every replica agrees.

export const CLOCK_ID = "/providers/ArcLink.Lab/clocks/default";
export const CLOCK_TYPE = "ArcLink.Lab/clocks";

export class Clock {
  constructor(private readonly offsetMs: () => number) {}

  now(): Date {
    return new Date(Date.now() + this.offsetMs());
  }

  nowMs(): number {
    return Date.now() + this.offsetMs();
  }
}

/**
 * d.toISOString(), the text of the last time asked kept: writes made in the same millisecond (a
 * topology's thousands of PUTs) share one string rather than each making its own.
 */
export function isoText(d: Date): string {
  const t = d.getTime();
  if (t !== lastTime || lastText === undefined) {
    lastText = d.toISOString();
    lastTime = t;
  }
  return lastText;
}

let lastTime = NaN;
let lastText: string | undefined;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "15m", "1h30m", "45d", "90s" into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== text.length) return undefined;
  return total;
}
