// The agent's version: 1.45 unless $AZCMAGENT_VERSION says otherwise (tests use 1.3 to show the
// "private endpoints need 1.4" rule). Full form as the agent prints it: 1.45.02983.1834.

export const DEFAULT_VERSION = "1.45";
const BUILD_SUFFIX = "02983.1834";

export interface AgentVersion {
  /** "1.45": what the gateway is told (X-ArcLink-Agent-Version). */
  short: string;
  /** "1.45.02983.1834": what `version` and `show` print. */
  full: string;
  major: number;
  minor: number;
}

export function agentVersion(env: NodeJS.ProcessEnv = process.env): AgentVersion {
  const text = (env.AZCMAGENT_VERSION ?? "").trim();
  const m = /^(\d+)\.(\d+)(?:\.(\d+)\.(\d+))?$/.exec(text);
  if (!m) {
    const [major, minor] = DEFAULT_VERSION.split(".").map(Number);
    return { short: DEFAULT_VERSION, full: `${DEFAULT_VERSION}.${BUILD_SUFFIX}`, major, minor };
  }
  const short = `${Number(m[1])}.${Number(m[2])}`;
  const full = m[3] !== undefined ? text : `${short}.${BUILD_SUFFIX}`;
  return { short, full, major: Number(m[1]), minor: Number(m[2]) };
}

/** True when this version is at least major.minor. */
export function atLeast(v: AgentVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}
