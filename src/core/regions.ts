// Azure regions ArcLink knows: name, display name, and the short code Arc's regional
// HIS endpoint uses (<code>.his.arc.azure.com). Azure publishes no code table; these are
// the codes seen in Arc's own endpoints, and the map is the one place to extend.

export interface Region {
  name: string;
  displayName: string;
  hisCode: string;
  geography: string;
}

const R = (name: string, displayName: string, hisCode: string, geography: string): Region => ({
  name,
  displayName,
  hisCode,
  geography,
});

export const REGIONS: readonly Region[] = [
  R("eastus", "East US", "eus", "United States"),
  R("eastus2", "East US 2", "eus2", "United States"),
  R("westus", "West US", "wus", "United States"),
  R("westus2", "West US 2", "wus2", "United States"),
  R("westus3", "West US 3", "wus3", "United States"),
  R("centralus", "Central US", "cus", "United States"),
  R("northcentralus", "North Central US", "ncus", "United States"),
  R("southcentralus", "South Central US", "scus", "United States"),
  R("westcentralus", "West Central US", "wcus", "United States"),
  R("canadacentral", "Canada Central", "cnc", "Canada"),
  R("canadaeast", "Canada East", "cne", "Canada"),
  R("brazilsouth", "Brazil South", "brs", "Brazil"),
  R("northeurope", "North Europe", "neu", "Europe"),
  R("westeurope", "West Europe", "weu", "Europe"),
  R("uksouth", "UK South", "uks", "United Kingdom"),
  R("ukwest", "UK West", "ukw", "United Kingdom"),
  R("francecentral", "France Central", "frc", "France"),
  R("germanywestcentral", "Germany West Central", "gwc", "Germany"),
  R("swedencentral", "Sweden Central", "sdc", "Sweden"),
  R("switzerlandnorth", "Switzerland North", "szn", "Switzerland"),
  R("norwayeast", "Norway East", "noe", "Norway"),
  R("australiaeast", "Australia East", "ae", "Australia"),
  R("australiasoutheast", "Australia Southeast", "ase", "Australia"),
  R("southeastasia", "Southeast Asia", "sea", "Asia Pacific"),
  R("eastasia", "East Asia", "ea", "Asia Pacific"),
  R("japaneast", "Japan East", "jpe", "Japan"),
  R("japanwest", "Japan West", "jpw", "Japan"),
  R("koreacentral", "Korea Central", "krc", "Korea"),
  R("centralindia", "Central India", "inc", "India"),
  R("southafricanorth", "South Africa North", "san", "South Africa"),
  R("uaenorth", "UAE North", "uaen", "UAE"),
];

const byName = new Map(REGIONS.map((r) => [r.name, r]));

/** Normalizes "East US" / "eastus" / "EastUS" to "eastus"; undefined when unknown. */
export function normalizeRegion(text: unknown): string | undefined {
  if (typeof text !== "string") return undefined;
  const n = text.replace(/\s+/g, "").toLowerCase();
  return byName.has(n) ? n : undefined;
}

export function region(name: string): Region | undefined {
  return byName.get(name.toLowerCase());
}

export function regionNames(): string[] {
  return REGIONS.map((r) => r.name);
}
