// ArcLink.Lab/proxies: an HTTP proxy on-premises. It reaches the internet from its own position
// (its own DNS view and the site's firewall), which is why a proxy without a bypass for the Arc
// names can swallow traffic meant for the private endpoint. With `tlsInspection` it also breaks and
// re-signs the TLS it carries with its own certificate authority.
import { ResourceType } from "../contract.js";
import { tlsInspectionOf } from "./firewalls.js";
import { asObject, optBool, optInt, ref } from "../validate.js";
import { errors } from "../../core/armError.js";
import { checkAddress, compact, ipv4, LAB_COMMON, PROXY_TYPE, SITE_TYPE, sitePrefixes } from "./common.js";

export const proxies: ResourceType = {
  ...LAB_COMMON,
  type: PROXY_TYPE,
  model: { section: "sites" },
  topology: { section: "proxies" },
  write(ctx, req) {
    const props = asObject(req.body.properties, "properties");
    const site = ref(props.siteId, "properties.siteId", SITE_TYPE, ctx.tx, "site");
    const ipAddress = ipv4(props.ipAddress, "properties.ipAddress");
    checkAddress(
      ctx.tx,
      { kind: "site", id: site.id, prop: "siteId", prefixes: sitePrefixes(site.body) },
      ipAddress,
      req.id.id,
      "properties.ipAddress",
    );
    const port = optInt(props.port, "properties.port", 1, 65535);
    if (port === undefined)
      throw errors.missingProperty("properties.port", "The TCP port the proxy listens on, e.g. 3128.");
    const bypassAuthentication = optBool(props.bypassAuthentication, "properties.bypassAuthentication");
    const tlsInspection = tlsInspectionOf(props.tlsInspection, "properties.tlsInspection");
    return compact({ siteId: site.id, ipAddress, port, bypassAuthentication, tlsInspection });
  },
};
