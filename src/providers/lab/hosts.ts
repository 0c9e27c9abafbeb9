// ArcLink.Lab/hosts: a server on-premises (in a site) or a VM in Azure (in a subnet), with the
// resolvers it asks, its hosts file and the proxy its agent is told about. The resolution
// engine reads these properties to answer "what does this machine see for gbl.his.arc.azure.com?".
// `trustedCertificateAuthorities` names the CAs the host's certificate store trusts besides the
// public roots (e.g. a TLS-inspecting firewall's CA, deployed by policy). `maxTlsVersion` is the
// newest TLS version the host's OS offers ("1.0" to "1.3", default "1.3"; an old Windows Server
// with TLS 1.2 disabled in SChannel offers "1.1"), and `gcmCipherSuitesEnabled` (default true)
// says whether the ECDHE AES-GCM cipher suites are enabled in a Windows host's cipher suite
// order (agents 1.56 to 1.63 on Windows offer only those; on Linux the property has no effect).
// `osVersion`, `osSku` and `osEdition` are what the OS says of itself (e.g. "10.0.20348",
// "Windows Server 2022 Datacenter", "ServerDatacenter"); the agent reports them to the machine
// resource when they are given, and reports nothing for them when they are not.
import { ArmError, errors } from "../../core/armError.js";
import { ResourceType } from "../contract.js";
import { asObject, optBool, optEnum, optString } from "../validate.js";
import { checkAddress, compact, HOST_TYPE, invalid, ipList, ipv4, LAB_COMMON, placement } from "./common.js";
import { parseHostsFile } from "./hostsFile.js";

export const OS_TYPES = ["Windows", "Linux"] as const;

/** The TLS versions a host's OS can offer at most (properties.maxTlsVersion). */
export const TLS_VERSIONS = ["1.0", "1.1", "1.2", "1.3"] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export const hosts: ResourceType = {
  ...LAB_COMMON,
  type: HOST_TYPE,
  model: { section: "hosts" },
  topology: { section: "hosts" },
  write(ctx, req) {
    const props = asObject(req.body.properties, "properties");
    const where = placement(ctx.tx, props);
    const privateIPAddress = ipv4(props.privateIPAddress, "properties.privateIPAddress");
    checkAddress(ctx.tx, where, privateIPAddress, req.id.id, "properties.privateIPAddress");
    const osType = optEnum(props.osType, "properties.osType", OS_TYPES);
    if (!osType) throw errors.missingProperty("properties.osType", "Use 'Windows' or 'Linux'.");
    const dnsServers = ipList(props.dnsServers, "properties.dnsServers");
    const hostsFile = optString(props.hostsFile, "properties.hostsFile", 65536);
    if (hostsFile !== undefined) checkHostsFile(hostsFile, osType);
    const proxyUrl = optString(props.proxyUrl, "properties.proxyUrl", 2048);
    if (proxyUrl !== undefined) checkProxyUrl(proxyUrl);
    const proxyBypass = bypassList(props.proxyBypass);
    const trustedCertificateAuthorities = caList(props.trustedCertificateAuthorities);
    const maxTlsVersion = tlsVersion(props.maxTlsVersion);
    const gcmCipherSuitesEnabled = optBool(props.gcmCipherSuitesEnabled, "properties.gcmCipherSuitesEnabled");
    const description = optString(props.description, "properties.description");
    const osVersion = optString(props.osVersion, "properties.osVersion", 256);
    const osSku = optString(props.osSku, "properties.osSku", 256);
    const osEdition = optString(props.osEdition, "properties.osEdition", 256);
    return compact({
      siteId: where.kind === "site" ? where.id : undefined,
      subnetId: where.kind === "subnet" ? where.id : undefined,
      privateIPAddress,
      osType,
      osVersion,
      osSku,
      osEdition,
      dnsServers,
      hostsFile,
      proxyUrl,
      proxyBypass,
      trustedCertificateAuthorities,
      maxTlsVersion,
      gcmCipherSuitesEnabled,
      description,
    });
  },
};

function tlsVersion(v: unknown): TlsVersion | undefined {
  if (v === undefined || v === null) return undefined;
  const path = "properties.maxTlsVersion";
  // 1.2 written as a number is a common slip: say what is expected rather than coerce it.
  if (typeof v !== "string" || !(TLS_VERSIONS as readonly string[]).includes(v.trim()))
    throw errors.invalidProperty(
      path,
      `'${String(v)}' is not a TLS version: use one of ${TLS_VERSIONS.map((x) => `"${x}"`).join(", ")} (a string), the newest version the host's OS offers.`,
    );
  return v.trim() as TlsVersion;
}

function caList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const path = "properties.trustedCertificateAuthorities";
  if (!Array.isArray(v)) throw errors.invalidRequestContent(`'${path}' must be an array of CA names.`, path);
  return v.map((x, i) => {
    if (typeof x !== "string" || x.trim() === "" || x.length > 256)
      throw errors.invalidProperty(
        `${path}[${i}]`,
        `'${String(x)}' is not a CA name: use the CA's name as the inspecting device names it (1-256 characters).`,
      );
    return x;
  });
}

const BYPASS = ["AAD", "ARM", "Arc", "AMA", "ArcData"] as const;

/** The agent's proxy.bypass keywords this host's agent uses (azcmagent config set proxy.bypass). */
function bypassList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v))
    throw errors.invalidRequestContent(
      "'properties.proxyBypass' must be an array of keywords.",
      "properties.proxyBypass",
    );
  return v.map((x, i) => {
    const hit = BYPASS.find((b) => typeof x === "string" && b.toLowerCase() === x.toLowerCase());
    if (!hit) {
      throw errors.invalidProperty(
        `properties.proxyBypass[${i}]`,
        `'${String(x)}' is not a proxy.bypass keyword; use ${BYPASS.join(", ")}.`,
      );
    }
    return hit;
  });
}

function checkHostsFile(text: string, os: string): void {
  const { errors: bad } = parseHostsFile(text);
  if (bad.length === 0) return;
  const file = os === "Windows" ? "C:\\Windows\\System32\\drivers\\etc\\hosts" : "/etc/hosts";
  throw new ArmError(
    400,
    "InvalidHostsFile",
    `The hosts file (${file}) in 'properties.hostsFile' has ${bad.length} malformed entr${bad.length > 1 ? "ies" : "y"}: ${bad[0].message}`,
    {
      target: "properties.hostsFile",
      details: bad.map((b) => ({
        code: "InvalidHostsFileLine",
        message: b.message,
        target: `properties.hostsFile:${b.line}`,
      })),
    },
  );
}

function checkProxyUrl(s: string): void {
  let u: URL | undefined;
  try {
    u = new URL(s);
  } catch {
    u = undefined;
  }
  if (!u || !["http:", "https:"].includes(u.protocol) || !u.hostname) {
    throw invalid(
      "properties.proxyUrl",
      `'${s}' is not a proxy URL. Write it as the agent's proxy.url is written, e.g. http://192.168.1.20:3128.`,
    );
  }
}
