// Shell completion for bash and zsh, written from the same command specs the parser reads: the
// commands, each command's flags, the values a flag takes (choices, files, folders), and the
// words a command takes first (time show|advance, snapshot save|restore|list|delete, …).
import { allFlags, CommandSpec, FlagSpec } from "./grammar.js";

export function completionScript(shell: "bash" | "zsh", commands: CommandSpec[]): string {
  return shell === "bash" ? bash(commands) : zsh(commands);
}

function words(spec: CommandSpec, commands: CommandSpec[]): string[] {
  if (spec.name === "help") return commands.map((c) => c.name);
  return [...(spec.args?.words ?? [])];
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(commands: CommandSpec[]): string {
  const valueCases: string[] = [];
  const commandCases: string[] = [];
  for (const c of commands) {
    const flags = allFlags(c);
    const names = flags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);
    for (const f of flags.filter((x) => x.kind === "string")) {
      const pats = [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]
        .map((p) => `"${c.name} ${p}"`)
        .join("|");
      const action = f.choices
        ? `COMPREPLY=($(compgen -W ${shQuote(f.choices.join(" "))} -- "$cur"))`
        : f.complete === "dir"
          ? `COMPREPLY=($(compgen -d -- "$cur"))`
          : f.complete === "file"
            ? `COMPREPLY=($(compgen -f -- "$cur"))`
            : `COMPREPLY=()`;
      valueCases.push(`    ${pats}) ${action}; return 0 ;;`);
    }
    commandCases.push(
      `    ${c.name}) flags=${shQuote(names.join(" "))}; args=${shQuote(words(c, commands).join(" "))} ;;`,
    );
  }
  return `# arclink completion for bash. Load it with: eval "$(arclink completion bash)"
_arclink() {
  local cur prev cmd flags args
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${shQuote(commands.map((c) => c.name).join(" "))} -- "$cur"))
    return 0
  fi
  cmd="\${COMP_WORDS[1]}"
  case "$cmd $prev" in
${valueCases.join("\n")}
  esac
  case "$cmd" in
${commandCases.join("\n")}
    *) return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [ "$COMP_CWORD" -eq 2 ] && [ -n "$args" ]; then
    COMPREPLY=($(compgen -W "$args" -- "$cur"))
  fi
  return 0
}
complete -o default -F _arclink arclink
`;
}

/** Text safe inside a zsh _arguments description ([...]) in single quotes. */
const zshText = (s: string) =>
  s.replace(/\[/g, "(").replace(/\]/g, ")").replace(/:/g, "\\:").replace(/'/g, `'\\''`);

function zshFlag(f: FlagSpec): string {
  const desc = `[${zshText(f.help)}]`;
  const value =
    f.kind === "boolean"
      ? ""
      : `:${zshText(f.value ?? "VALUE")}:${
          f.choices
            ? `(${f.choices.join(" ")})`
            : f.complete === "dir"
              ? "_files -/"
              : f.complete === "file"
                ? "_files"
                : " "
        }`;
  const repeat = f.multiple ? "*" : "";
  if (f.short) return `'(-${f.short} --${f.name})'{-${f.short},--${f.name}}'${desc}${value}'`;
  return `'${repeat}--${f.name}${desc}${value}'`;
}

function zsh(commands: CommandSpec[]): string {
  const list = commands.map((c) => `    '${c.name}:${zshText(c.summary)}'`).join("\n");
  const cases = commands
    .map((c) => {
      const w = words(c, commands);
      const specs = [...allFlags(c).map(zshFlag), ...(w.length ? [`'1:word:(${w.join(" ")})'`] : [])];
      return `    ${c.name})\n      _arguments -s \\\n        ${specs.join(" \\\n        ")}\n      ;;`;
    })
    .join("\n");
  return `#compdef arclink
# arclink completion for zsh. Load it with: eval "$(arclink completion zsh)" (after compinit),
# or save it as _arclink in a folder of $fpath.
_arclink() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'arclink command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases}
  esac
}
if [ "$funcstack[1]" = "_arclink" ]; then
  _arclink "$@"
else
  compdef _arclink arclink
fi
`;
}
