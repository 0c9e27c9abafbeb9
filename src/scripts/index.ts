// The onboarding script the portal's "Add servers with Azure Arc → Generate script" downloads:
// OnboardingScript.sh for Linux, OnboardingScript.ps1 for Windows.
import { linuxScript } from "./linux.js";
import { isValidatedOptions, ScriptOptions, ScriptOptionsInput, validateScriptOptions } from "./options.js";
import { windowsScript } from "./windows.js";

export { ScriptOptionError, validateScriptOptions } from "./options.js";
export type { ScriptOptions, ScriptOptionsInput } from "./options.js";

export interface GeneratedScript {
  fileName: "OnboardingScript.sh" | "OnboardingScript.ps1";
  text: string;
}

/** The script for validated options (or raw input, validated first: throws ScriptOptionError). */
export function generateScript(options: ScriptOptions | ScriptOptionsInput): GeneratedScript {
  const o = isValidatedOptions(options) ? options : validateScriptOptions(options);
  return o.os === "windows"
    ? { fileName: "OnboardingScript.ps1", text: windowsScript(o) }
    : { fileName: "OnboardingScript.sh", text: linuxScript(o) };
}
