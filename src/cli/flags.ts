// A small, strict flag parser: --name value, --name=value, --bool; unknown flags are errors.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export class Flags {
  readonly positional: string[] = [];
  private values = new Map<string, string | true>();
  private used = new Set<string>();

  constructor(argv: string[], booleans: readonly string[] = []) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === "--") {
        this.positional.push(...argv.slice(i + 1));
        break;
      }
      if (a.startsWith("--")) {
        const eq = a.indexOf("=");
        const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
        if (eq >= 0) this.values.set(name, a.slice(eq + 1));
        else if (booleans.includes(name)) this.values.set(name, true);
        else if (i + 1 < argv.length) this.values.set(name, argv[++i]);
        else throw new CliError(`Flag --${name} needs a value.`, 2);
      } else if (a.startsWith("-") && a.length === 2) {
        const name = a.slice(1);
        if (booleans.includes(name)) this.values.set(name, true);
        else if (i + 1 < argv.length) this.values.set(name, argv[++i]);
        else throw new CliError(`Flag -${name} needs a value.`, 2);
      } else this.positional.push(a);
    }
  }

  has(name: string): boolean {
    this.used.add(name);
    return this.values.has(name);
  }

  bool(name: string): boolean {
    this.used.add(name);
    const v = this.values.get(name);
    return v === true || v === "true";
  }

  optString(name: string): string | undefined {
    this.used.add(name);
    const v = this.values.get(name);
    if (v === true) throw new CliError(`Flag --${name} needs a value.`, 2);
    return v;
  }

  string(name: string, dflt: string): string {
    return this.optString(name) ?? dflt;
  }

  int(name: string, dflt: number): number {
    const v = this.optString(name);
    if (v === undefined) return dflt;
    if (!/^-?\d+$/.test(v)) throw new CliError(`--${name} must be a whole number, got '${v}'.`, 2);
    return Number(v);
  }

  /** Throws for any flag the command did not read. Call after reading every flag. */
  rejectUnknown(): void {
    const extra = [...this.values.keys()].filter((k) => !this.used.has(k));
    if (extra.length)
      throw new CliError(
        `Unknown flag${extra.length > 1 ? "s" : ""}: ${extra.map((f) => "--" + f).join(", ")}.`,
        2,
      );
  }
}
