// The agent releases that introduced (or renamed) a command, a flag or a behaviour, from the
// Connected Machine agent's published release notes (docs/AGENT-RELEASES.md lists them). An agent
// run as an older version (AZCMAGENT_VERSION) answers as that version would: a command or flag it
// did not have yet is unknown to it, a check it did not run is not run.
import type { Command } from "./commands/command.js";
import type { FlagSpec } from "./flags.js";
import { atLeast, type AgentVersion } from "./version.js";

/** [major, minor] */
export type Release = readonly [number, number];

/** Which versions have something: from `since` (inclusive) up to `until` (inclusive), when set. */
export interface Availability {
  since?: Release;
  until?: Release;
}

export const RELEASES = {
  /** --config (parameters from a file), more exit codes, private endpoints (limited preview). */
  configFile: [1, 4],
  /** `azcmagent config` and the proxy.url setting. */
  configCommand: [1, 13],
  /** `azcmagent check`; connect aborts when the network check fails; proxy.bypass. */
  checkCommand: [1, 15],
  /** connect's network check validates private endpoint DNS when a scope is given; check --use-private-link. */
  privateEndpointCheck: [1, 17],
  /** check --use-private-link renamed --enable-pls-check. */
  enablePlsCheck: [1, 20],
} as const satisfies Record<string, Release>;

export function available(v: AgentVersion, a: Availability): boolean {
  if (a.since && !atLeast(v, a.since[0], a.since[1])) return false;
  if (a.until && atLeast(v, a.until[0], a.until[1] + 1)) return false;
  return true;
}

/** The command tree as agent version `v` has it: later commands and flags are absent. */
export function commandsFor<T extends Command>(cmd: T, v: AgentVersion): T {
  return {
    ...cmd,
    flags: cmd.flags.filter((f: FlagSpec & Availability) => available(v, f)),
    ...(cmd.subcommands
      ? {
          subcommands: cmd.subcommands
            .filter((c: Command & Availability) => available(v, c))
            .map((c) => commandsFor(c, v)),
        }
      : {}),
  };
}
