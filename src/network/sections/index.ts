// The sections of the network model, in the order they are compiled (a section comes after those it
// reads). The model's type, compileModel, patchModel and what-if's recording of reads are derived
// from this list; which resource types feed each section is declared by the types themselves
// (ResourceType.model).
import { dnsServers } from "./dnsServers.js";
import { hosts } from "./hosts.js";
import { inboundEndpoints } from "./inboundEndpoints.js";
import { nsgs } from "./nsgs.js";
import { privateEndpoints } from "./privateEndpoints.js";
import { sites } from "./sites.js";
import { vnets } from "./vnets.js";
import { zones } from "./zones.js";

export const SECTIONS = [
  nsgs,
  zones,
  vnets,
  sites,
  dnsServers,
  inboundEndpoints,
  privateEndpoints,
  hosts,
] as const;
