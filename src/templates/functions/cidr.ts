// CIDR functions: parseCidr, cidrSubnet, cidrHost (IPv4; ArcLink's network model is IPv4 only, so
// an IPv6 range is refused by name rather than mis-computed).
import { formatIpv4, parseCidr as parse } from "../../core/ip.js";
import { TemplateError } from "../context.js";
import { arity, int, str, TemplateFunction } from "./args.js";

function cidrOf(name: string, v: unknown) {
  const text = str(name, v);
  if (text.includes(":"))
    throw new TemplateError(
      `The template function '${name}' was given the IPv6 range '${text}': ArcLink evaluates IPv4 ranges only.`,
    );
  const c = /\//.test(text) ? parse(text) : undefined;
  if (!c)
    throw new TemplateError(
      `The template function '${name}' expects an IPv4 range in CIDR notation such as '10.144.0.0/20'; got '${text}'. Please see https://aka.ms/arm-functions-cidr for usage details.`,
    );
  return c;
}

/** First and last host addresses: a /31 or /32 has no network or broadcast address to skip. */
function usable(c: { bits: number; first: number; last: number }): [number, number] {
  return c.bits >= 31 ? [c.first, c.last] : [c.first + 1, c.last - 1];
}

export const cidrFunctions: Record<string, TemplateFunction> = {
  parsecidr: (_c, a, n) => {
    arity(n, a, 1);
    const c = cidrOf(n, a[0]);
    const mask = c.bits === 0 ? 0 : (0xffffffff << (32 - c.bits)) >>> 0;
    const [first, last] = usable(c);
    return {
      network: formatIpv4(c.first),
      netmask: formatIpv4(mask),
      broadcast: formatIpv4(c.last),
      firstUsable: formatIpv4(first),
      lastUsable: formatIpv4(last),
      cidr: c.bits,
    };
  },
  cidrsubnet: (_c, a, n) => {
    arity(n, a, 3);
    const c = cidrOf(n, a[0]);
    const bits = int(n, a[1]);
    const index = int(n, a[2]);
    if (bits < c.bits || bits > 32)
      throw new TemplateError(
        `The template function 'cidrSubnet' expects a new CIDR between ${c.bits} (the range's own) and 32; got ${bits}.`,
      );
    const count = 2 ** (bits - c.bits);
    if (index < 0 || index >= count)
      throw new TemplateError(
        `The template function 'cidrSubnet' was given subnet index ${index}: '${c.text}' splits into ${count} /${bits} subnet(s), indexed 0 to ${count - 1}.`,
      );
    return `${formatIpv4(c.first + index * 2 ** (32 - bits))}/${bits}`;
  },
  cidrhost: (_c, a, n) => {
    arity(n, a, 2);
    const c = cidrOf(n, a[0]);
    const index = int(n, a[1]);
    const [first, last] = usable(c);
    if (index < 0 || first + index > last)
      throw new TemplateError(
        `The template function 'cidrHost' was given host index ${index}: '${c.text}' has ${last - first + 1} usable address(es), indexed 0 to ${last - first}.`,
      );
    return formatIpv4(first + index);
  },
};
