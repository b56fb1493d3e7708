/**
 * Resource IDs: ARM compares them case-insensitively but answers with the casing a resource was created with.
 * Every map in the emulator is keyed by {@link idKey}; every answer uses the stored original.
 */

/** The case-insensitive key of a resource ID (lower case, no trailing slash). */
export function idKey(id: string): string {
  return id.replace(/\/+$/, '').toLowerCase();
}

export interface ParsedId {
  subscriptionId: string;
  resourceGroup: string;
  /** Provider namespace as written in the ID, e.g. `Microsoft.Network`. */
  provider: string;
  /** Type/name pairs below the provider, e.g. [['virtualNetworks','hub'],['virtualNetworkPeerings','p1']]. */
  segments: Array<[string, string]>;
}

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}...]`; undefined if not one. */
export function parseResourceId(id: string): ParsedId | undefined {
  const parts = id.split('/').filter((p) => p.length > 0);
  if (parts.length < 6 || parts[0]?.toLowerCase() !== 'subscriptions' || parts[2]?.toLowerCase() !== 'resourcegroups') {
    return undefined;
  }
  if (parts[4]?.toLowerCase() !== 'providers') return undefined;
  const rest = parts.slice(6);
  if (rest.length === 0 || rest.length % 2 !== 0) return undefined;
  const segments: Array<[string, string]> = [];
  for (let i = 0; i < rest.length; i += 2) segments.push([rest[i] as string, rest[i + 1] as string]);
  return {
    subscriptionId: parts[1] as string,
    resourceGroup: parts[3] as string,
    provider: parts[5] as string,
    segments,
  };
}

export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

/** Builds a network resource ID with canonical provider/type spelling and the caller's casing for names. */
export function networkId(subscriptionId: string, resourceGroup: string, ...typeNamePairs: string[]): string {
  return `${resourceGroupId(subscriptionId, resourceGroup)}/providers/Microsoft.Network/${typeNamePairs.join('/')}`;
}

/** True when `id` names a resource of the given type chain (case-insensitive), e.g. ['virtualNetworks']. */
export function isIdOfType(id: string, types: readonly string[]): boolean {
  const parsed = parseResourceId(id);
  if (!parsed || parsed.provider.toLowerCase() !== 'microsoft.network') return false;
  if (parsed.segments.length !== types.length) return false;
  return parsed.segments.every(([t], i) => t.toLowerCase() === types[i]?.toLowerCase());
}
