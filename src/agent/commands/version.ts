// azcmagent version: "azcmagent version 1.45.02983.1834".
import type { Command } from "./command.js";

export const version: Command = {
  name: "version",
  summary: "Display the Hybrid Management Agent version",
  usage: "azcmagent version [flags]",
  flags: [],
  async run(ctx) {
    if (ctx.json) ctx.print(JSON.stringify({ version: ctx.version.full }));
    else ctx.print(`azcmagent version ${ctx.version.full}`);
  },
};
