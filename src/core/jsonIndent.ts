// JSON.stringify(v, null, 2)'s bytes made from JSON.stringify(v)'s, a piece at a time: a reader of
// a document too large for one string (a lint report of a million hosts) indents it as it arrives.
// Compact JSON has no whitespace outside strings, so the indented text follows from the bytes alone.
// It can also pick out the string values at one path as they pass (lint's findings' severities).

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const NEWLINE = 10;
const SPACE = 32;

interface Frame {
  object: boolean;
  /** The member being read (an object's) or "*" (an array's): this frame's step on the path. */
  key: string;
  expectKey: boolean;
  /** Every step above this frame matches the watched path. */
  onPath: boolean;
}

export interface IndentOptions {
  /** A path of member names ("*" for any, an array's items) whose string values are reported. */
  watch?: readonly string[];
  onValue?: (value: string) => void;
}

export class JsonIndenter {
  private out: Buffer = Buffer.allocUnsafe(1 << 16);
  private at = 0;
  private inString = false;
  private escaped = false;
  /** An open bracket not yet written: empty containers stay on one line ({} and []). */
  private pending = 0;
  private frames: Frame[] = [];
  private capture: number[] | undefined;
  private captureIsKey = false;

  constructor(private readonly opts: IndentOptions = {}) {}

  /** The indented bytes of `chunk` (what they complete: an open bracket waits for the next byte). */
  push(chunk: Uint8Array): Buffer {
    this.at = 0;
    this.ensure(chunk.length * 2 + 64);
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.inString) {
        this.put(c);
        if (this.capture) this.capture.push(c);
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.endString();
        continue;
      }
      if (this.pending) {
        const open = this.pending;
        this.pending = 0;
        if ((open === OPEN_OBJECT && c === CLOSE_OBJECT) || (open === OPEN_ARRAY && c === CLOSE_ARRAY)) {
          this.put(open);
          this.put(c);
          this.frames.pop();
          continue;
        }
        this.put(open);
        this.newline();
      }
      switch (c) {
        case QUOTE:
          this.put(c);
          this.inString = true;
          this.startString();
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY: {
          const parent = this.frames[this.frames.length - 1];
          const watch = this.opts.watch;
          const onPath =
            !!watch &&
            this.frames.length < watch.length &&
            (!parent || (parent.onPath && step(parent.key, watch[this.frames.length - 1])));
          this.frames.push({ object: c === OPEN_OBJECT, key: "*", expectKey: c === OPEN_OBJECT, onPath });
          this.pending = c;
          break;
        }
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          this.frames.pop();
          this.newline();
          this.put(c);
          break;
        case COMMA: {
          this.put(c);
          const f = this.frames[this.frames.length - 1];
          if (f?.object) f.expectKey = true;
          this.newline();
          break;
        }
        case COLON:
          this.put(c);
          this.put(SPACE);
          break;
        default:
          this.put(c);
      }
    }
    return Buffer.from(this.out.subarray(0, this.at));
  }

  /** True when the bytes so far are whole values (nothing open, no string unfinished). */
  get complete(): boolean {
    return this.frames.length === 0 && !this.inString && !this.pending;
  }

  private startString(): void {
    const f = this.frames[this.frames.length - 1];
    const watch = this.opts.watch;
    if (!f || !watch || !f.onPath) return;
    if (f.object && f.expectKey) {
      this.captureIsKey = true;
      this.capture = [QUOTE];
    } else if (this.frames.length === watch.length && step(f.key, watch[watch.length - 1])) {
      this.captureIsKey = false;
      this.capture = [QUOTE];
    }
  }

  private endString(): void {
    this.inString = false;
    const bytes = this.capture;
    if (!bytes) return;
    this.capture = undefined;
    const value = JSON.parse(Buffer.from(bytes).toString("utf8")) as string;
    if (this.captureIsKey) {
      const f = this.frames[this.frames.length - 1];
      f.key = value;
      f.expectKey = false;
    } else this.opts.onValue?.(value);
  }

  private newline(): void {
    const n = this.frames.length * 2;
    this.ensure(n + 1);
    this.out[this.at++] = NEWLINE;
    this.out.fill(SPACE, this.at, this.at + n);
    this.at += n;
  }

  private put(c: number): void {
    if (this.at === this.out.length) this.ensure(1);
    this.out[this.at++] = c;
  }

  private ensure(n: number): void {
    if (this.at + n <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.at + n));
    this.out.copy(bigger, 0, 0, this.at);
    this.out = bigger;
  }
}

function step(key: string, want: string | undefined): boolean {
  return want === "*" || want === key;
}
