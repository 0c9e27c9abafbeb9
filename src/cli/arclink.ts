#!/usr/bin/env node
// The arclink command: serve, and the tools that read the world it serves.
import { apply, APPLY_BOOLEANS } from "./apply.js";
import { CliError, Flags } from "./flags.js";
import { serve } from "./serve.js";
import { resolveCommand } from "./resolve.js";
import { timeCommand } from "./time.js";
import { checkCommand } from "./check.js";
import { hostCommand } from "./host.js";
import { lintCommand } from "./lint.js";
import { whatIfCommand } from "./whatIf.js";
import { scriptCommand } from "./script.js";
import { fleetCommand } from "./fleet.js";
import { snapshotCommand } from "./snapshot.js";

const USAGE = `Usage: arclink <command> [flags]

Commands:
  serve     Start ArcLink (--data DIR, --host H, --port N, --ready-file F, --topology FILE,
            --dns all|none|id[=port],..., --service-tags FILE, --throttling azure|off,
            --store sqlite|postgres, --postgres-url URL: replicas sharing one database,
            --heap-growth PERCENT: how far the heap may grow past what is live, default 50, 0 = V8's own)
  apply     Create a topology file's resources through ARM (-f FILE, --ready-file F | --arm URL ...)
  resolve   What a host (--host H) or a resolver (--resolver R) answers for a name (--json, --trace)
  check     Each endpoint the agent needs, per host: private / public / refused and why (--host H | --all)
  lint      Lint a whole topology: every machine's paths, every rule (--topology F | --export F --onprem F;
            --format table|json|sarif, --fix-plan; exit 0 clean, 1 warnings, 2 errors; lint --help)
  what-if   What a change would break: --topology-diff NEW.yaml | --put ID --body F | --delete ID
  host      Issue a host credential for a process acting as a simulated host: host credential --host H
  time      Show or advance the virtual clock: arclink time advance 15m
  script    The portal's Arc onboarding script (OnboardingScript.sh / .ps1): arclink script --help
  fleet     Simulate N agents onboarding and heartbeating through the real admission path:
            --machines N [--site S] [--scope S|none] [--location R] [--heartbeats K] [--json];
            a run kept in the store: --operation ID | --list
  snapshot  Save or restore the whole world without restarting: snapshot save NAME | restore NAME |
            list | delete NAME [--json]
`;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "serve":
      return serve(new Flags(rest));
    case "apply":
      return apply(new Flags(rest, APPLY_BOOLEANS));
    case "resolve":
      return resolveCommand(new Flags(rest, ["json", "trace"]));
    case "check":
      return checkCommand(new Flags(rest, ["json", "trace", "all"]));
    case "host":
      return hostCommand(new Flags(rest));
    case "lint":
      return lintCommand(rest);
    case "what-if":
      return whatIfCommand(rest);
    case "time":
      return timeCommand(new Flags(rest));
    case "script":
      return scriptCommand(rest);
    case "fleet":
      return fleetCommand(new Flags(rest, ["json", "list"]));
    case "snapshot":
      return snapshotCommand(new Flags(rest, ["json"]));
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return;
    default:
      throw new CliError(`Unknown command '${cmd}'.\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof CliError) {
    process.stderr.write(`arclink: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  process.stderr.write(`arclink: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
