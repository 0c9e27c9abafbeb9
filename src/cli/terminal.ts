// Colour and progress for every arclink command: colour only on a terminal and never when
// NO_COLOR is set (https://no-color.org); a progress bar redrawn in place on a terminal, plain
// lines (one per phase) otherwise, so logs and pipes stay readable.
import { styleText } from "node:util";

type Stream = { isTTY?: boolean; write(s: string): unknown };

/** Whether to colour what is written to `stream`. */
export function colorEnabled(stream: Stream = process.stdout): boolean {
  const noColor = process.env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  return stream.isTTY === true;
}

const VERDICT_STYLE: Record<string, Parameters<typeof styleText>[0]> = {
  private: "green",
  public: "yellow",
  refused: "red",
  undetermined: "magenta",
};

/** A verdict (private / public / refused / undetermined), coloured when `color`. */
export function paintVerdict(verdict: string, color: boolean, width = 0): string {
  const text = verdict.padEnd(width);
  const style = VERDICT_STYLE[verdict];
  // The decision is colorEnabled's (NO_COLOR, a terminal), made once for the whole output.
  return color && style ? styleText(style, text, { validateStream: false }) : text;
}

/** Progress on `stream`: redrawn in place on a terminal; otherwise a line each time `phase` changes. */
export class Progress {
  private readonly tty: boolean;
  private lastPhase: string | undefined;
  private lastLine = "";

  constructor(
    private readonly stream: Stream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = !quiet && stream.isTTY === true;
  }

  update(line: string, phase: string): void {
    if (this.quiet) return;
    if (this.tty) this.stream.write(`\r${line}\x1b[K`);
    else if (phase !== this.lastPhase) this.stream.write(`${line}\n`);
    this.lastPhase = phase;
    this.lastLine = line;
  }

  /** Ends the bar; off a terminal, prints the final line unless it was the last one printed. */
  end(line: string): void {
    if (this.quiet) return;
    if (this.tty) this.stream.write("\n");
    else if (line !== this.lastLine) this.stream.write(`${line}\n`);
  }
}
