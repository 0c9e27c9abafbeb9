// The values of one command line, as the grammar (grammar.ts) parsed them against the command's
// spec, and the CLI's error type with its exit code.

/** The exit codes every arclink command uses (docs/CLI.md). */
export const EXIT = {
  ok: 0,
  /** Findings, a refused endpoint or machine, a request ArcLink refused. */
  refused: 1,
  /** The command line itself: unknown flag, missing or malformed value, wrong arguments. */
  usage: 2,
  /** An input the command line names: a file, a folder, a database, a reference that does not exist. */
  input: 3,
  /** No running ArcLink, or it cannot be reached. */
  unreachable: 4,
} as const;

export class CliError extends Error {
  /** @param cause the error this one explains (its stack is what --debug prints) */
  constructor(
    message: string,
    readonly exitCode: number = EXIT.refused,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export class Flags {
  /**
   * @param values each given flag's value (true for a boolean; a list for a repeatable flag)
   * @param known every flag of the command's spec: reading another one is a bug in the command
   */
  constructor(
    private readonly values: ReadonlyMap<string, string | true | string[]>,
    readonly positional: string[],
    private readonly known: ReadonlySet<string>,
  ) {}

  private get(name: string): string | true | string[] | undefined {
    if (!this.known.has(name))
      throw new Error(`the command reads --${name}, which its spec does not declare`);
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  bool(name: string): boolean {
    return this.get(name) === true;
  }

  optString(name: string): string | undefined {
    const v = this.get(name);
    if (v === true) throw new Error(`--${name} is declared boolean but read as a string`);
    return Array.isArray(v) ? v[v.length - 1] : v;
  }

  /** Every value of a repeatable flag, in order. */
  list(name: string): string[] {
    const v = this.get(name);
    return v === undefined || v === true ? [] : Array.isArray(v) ? v : [v];
  }

  string(name: string, dflt: string): string {
    return this.optString(name) ?? dflt;
  }

  int(name: string, dflt: number): number {
    const v = this.optString(name);
    if (v === undefined) return dflt;
    if (!/^-?\d+$/.test(v)) throw new CliError(`--${name} must be a whole number, got '${v}'.`, EXIT.usage);
    return Number(v);
  }
}
