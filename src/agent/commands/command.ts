// The shape of an azcmagent command: its flags, its help and what it runs.
import type { AgentContext } from "../context.js";
import type { FlagSpec } from "../flags.js";

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Longer help text. */
  description?: string;
  /** "azcmagent connect [flags]" */
  usage: string;
  examples?: string[];
  flags: FlagSpec[];
  /** Listed under "Internal commands" in --help. */
  internal?: boolean;
  /** Sub-commands (azcmagent config get|set|…); the parent itself only prints help. */
  subcommands?: Command[];
  /** Exact number of positional arguments (cobra's ExactArgs), when fixed. */
  args?: { min: number; max: number };
  /** The first agent release that has this command (releases.ts); absent: every release. */
  since?: readonly [number, number];
  /** Returns the exit code (0 when nothing is returned). */
  run(ctx: AgentContext, args: string[]): Promise<number | void>;
}
