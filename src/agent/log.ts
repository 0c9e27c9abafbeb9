// The agent's log lines, logrus text style: time="2025-01-01T10:00:00Z" level=info msg="…" Key="value".
// Times come from the host's clock, which is ArcLink's virtual clock once the host view is known.

export type Level = "debug" | "info" | "warning" | "error" | "fatal";

export interface Sink {
  (line: string): void;
}

/** Go's %q for the characters a log message contains. */
export function quote(s: string): string {
  return (
    '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t") + '"'
  );
}

/** RFC 3339 without fractional seconds, as logrus prints it. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function formatLine(
  time: Date,
  level: Level,
  msg: string,
  fields: Record<string, string> = {},
): string {
  let line = `time=${quote(rfc3339(time))} level=${level} msg=${quote(msg)}`;
  for (const [k, v] of Object.entries(fields)) {
    const key = /^[\w.-]+$/.test(k) ? k : quote(k);
    line += ` ${key}=${quote(v)}`;
  }
  return line;
}

export class Log {
  /** Milliseconds to add to the local clock to get the host's (virtual) time. */
  private offsetMs = 0;

  constructor(
    private readonly sink: Sink,
    readonly verbose: boolean,
  ) {}

  /** Aligns log times with the host's clock (the host view's `now`). */
  setNow(now: Date): void {
    this.offsetMs = now.getTime() - Date.now();
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  line(level: Level, msg: string, fields?: Record<string, string>): void {
    if (level === "debug" && !this.verbose) return;
    this.sink(formatLine(this.now(), level, msg, fields));
  }

  debug(msg: string, fields?: Record<string, string>): void {
    this.line("debug", msg, fields);
  }
  info(msg: string, fields?: Record<string, string>): void {
    this.line("info", msg, fields);
  }
  warn(msg: string, fields?: Record<string, string>): void {
    this.line("warning", msg, fields);
  }
  error(msg: string, fields?: Record<string, string>): void {
    this.line("error", msg, fields);
  }
  fatal(msg: string, fields?: Record<string, string>): void {
    this.line("fatal", msg, fields);
  }
  /** A line printed as is (the exit code lines, tables). */
  plain(text: string): void {
    this.sink(text);
  }
}
