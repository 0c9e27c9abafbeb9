// azcmagent config get|set|list|clear|info: the local configuration (config.json in the agent home).
import {
  clearValue,
  effective,
  formatValue,
  getValue,
  infoJson,
  isListKey,
  renderInfo,
  renderList,
  setValue,
  writeConfig,
} from "../config.js";
import { AgentError, AZCM } from "../errors.js";
import { bool } from "../flags.js";
import { RELEASES } from "../releases.js";
import type { Command } from "./command.js";

const get: Command = {
  name: "get",
  summary: "Gets a configuration property's value",
  usage: "azcmagent config get <property> [flags]",
  examples: ["azcmagent config get proxy.url"],
  args: { min: 1, max: 1 },
  flags: [],
  async run(ctx, [key]) {
    const v = getValue(ctx.config(), key);
    if (ctx.json) ctx.print(JSON.stringify({ [key.toLowerCase()]: v }));
    else ctx.print(formatValue(v));
  },
};

const set: Command = {
  name: "set",
  summary: "Sets a configuration property's value",
  usage: "azcmagent config set <property> <value> [flags]",
  examples: [
    "azcmagent config set proxy.url http://192.168.1.20:3128",
    "azcmagent config set proxy.bypass Arc",
    "azcmagent config set proxy.bypass ARM --add",
    "azcmagent config set incomingconnections.ports 22 --remove",
  ],
  args: { min: 2, max: 2 },
  flags: [
    { name: "add", short: "a", type: "bool", usage: "Add the value to a list property" },
    { name: "remove", short: "r", type: "bool", usage: "Remove the value from a list property" },
  ],
  async run(ctx, [key, value]) {
    const add = bool(ctx.flags, "add");
    const remove = bool(ctx.flags, "remove");
    if (add && remove) {
      throw new AgentError(AZCM.InvalidArgument, "Use --add or --remove, not both.");
    }
    const next = setValue(ctx.config(), key, value, add ? "add" : remove ? "remove" : "replace");
    writeConfig(ctx.home, next);
    const k = key.toLowerCase();
    ctx.log.info(
      isListKey(k) && (add || remove)
        ? `${add ? "Added" : "Removed"} '${value}' ${add ? "to" : "from"} ${k}; it is now '${formatValue(getValue(next, k))}'`
        : `Set ${k} to '${formatValue(getValue(next, k))}'`,
    );
  },
};

const clear: Command = {
  name: "clear",
  summary: "Clears a configuration property's value (back to its default)",
  usage: "azcmagent config clear <property> [flags]",
  examples: ["azcmagent config clear proxy.url"],
  args: { min: 1, max: 1 },
  flags: [],
  async run(ctx, [key]) {
    const next = clearValue(ctx.config(), key);
    writeConfig(ctx.home, next);
    ctx.log.info(`Cleared ${key.toLowerCase()}; it is now '${formatValue(getValue(next, key))}'`);
  },
};

const list: Command = {
  name: "list",
  summary: "Lists all configuration properties and their values",
  usage: "azcmagent config list [flags]",
  args: { min: 0, max: 0 },
  flags: [],
  async run(ctx) {
    if (ctx.json) ctx.print(JSON.stringify({ localSettings: effective(ctx.config()) }, null, 2));
    else for (const line of renderList(ctx.config())) ctx.print(line);
  },
};

const info: Command = {
  name: "info",
  summary: "Describes all configuration properties",
  usage: "azcmagent config info [flags]",
  args: { min: 0, max: 0 },
  flags: [],
  async run(ctx) {
    if (ctx.json) ctx.print(JSON.stringify(infoJson(), null, 2));
    else for (const line of renderInfo()) ctx.print(line);
  },
};

export const config: Command = {
  name: "config",
  since: RELEASES.configCommand,
  summary: "Change configuration settings for the agent",
  usage: "azcmagent config [command]",
  flags: [],
  subcommands: [clear, get, info, list, set],
  async run() {
    return 0;
  },
};
