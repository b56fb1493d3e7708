/**
 * The private endpoint DNS spec, pure and table-tested: which zones and records an endpoint needs, who may hold a
 * name that two endpoints publish, and what (if anything) to write to the endpoint's zone group.
 */
import type { PrivateDnsConfig } from '../config';
import { resourceKey } from '../azure/resource-id';
import type { EndpointDnsName, NamesSource, ObservedEndpoint, ObservedRecordSet, ObservedZoneGroup, RecordRead } from './model';
import { MAX_ZONE_CONFIGS_PER_GROUP, zonesForConnection } from './zones';

export type ZonesLocation = Pick<PrivateDnsConfig, 'zonesSubscriptionId' | 'zonesResourceGroup'>;

/** The ARM ID of a central zone. */
export function zoneIdFor(config: ZonesLocation, zoneName: string): string {
  return `/subscriptions/${config.zonesSubscriptionId}/resourceGroups/${config.zonesResourceGroup}/providers/Microsoft.Network/privateDnsZones/${zoneName.toLowerCase()}`;
}

export function zoneNameOf(zoneId: string): string {
  return (zoneId.split('/').pop() ?? '').toLowerCase();
}

/**
 * Public names whose privatelink zone is not `privatelink.` + the public suffix (Key Vault publishes
 * {vault}.vault.azure.net and resolves it through privatelink.vaultcore.azure.net).
 */
const PUBLIC_SUFFIX_OF_ZONE: Record<string, string[]> = {
  'privatelink.vaultcore.azure.net': ['vault.azure.net'],
};

/** The record name of `fqdn` in `zoneName`, or undefined when the name does not belong in that zone. */
export function recordNameIn(fqdn: string, zoneName: string): string | undefined {
  const name = fqdn.toLowerCase().replace(/\.$/, '');
  const zone = zoneName.toLowerCase();
  if (name === zone) return undefined;
  const suffixes = [zone, ...(zone.startsWith('privatelink.') ? [zone.slice('privatelink.'.length)] : []), ...(PUBLIC_SUFFIX_OF_ZONE[zone] ?? [])];
  const match = suffixes.filter((s) => name.endsWith(`.${s}`)).sort((a, b) => b.length - a.length)[0];
  return match ? name.slice(0, -(match.length + 1)) : undefined;
}

/** The public suffix a privatelink zone resolves: the zone less `privatelink.`, or the known exception. */
function publicSuffixOf(zoneName: string): string {
  const zone = zoneName.toLowerCase();
  return PUBLIC_SUFFIX_OF_ZONE[zone]?.[0] ?? (zone.startsWith('privatelink.') ? zone.slice('privatelink.'.length) : zone);
}

/**
 * The names a zone group's record sets resolve, as public FQDNs (`st1` in privatelink.blob.core.windows.net is
 * st1.blob.core.windows.net; Key Vault's are {vault}.vault.azure.net). Where Azure publishes the privatelink name
 * itself (AKS: {cluster}.privatelink.{region}.azmk8s.io) this gives its public alias; it lands in the same zone and
 * record either way.
 */
export function zoneGroupNames(groups: readonly ObservedZoneGroup[]): EndpointDnsName[] {
  return mergeNames(
    groups.flatMap((g) =>
      g.configs.flatMap((c) => c.recordSets.filter((r) => r.recordSetName && r.ipAddresses.length > 0).map((r) => ({ fqdn: `${r.recordSetName}.${publicSuffixOf(zoneNameOf(c.zoneId))}`, ipAddresses: r.ipAddresses }))),
    ),
  );
}

/** One entry per FQDN (compared without case), with the IPs of every entry that named it. */
export function mergeNames(names: readonly EndpointDnsName[]): EndpointDnsName[] {
  const merged = new Map<string, EndpointDnsName>();
  for (const n of names) {
    const key = n.fqdn.toLowerCase().replace(/\.$/, '');
    if (!key) continue;
    const entry = merged.get(key);
    if (entry) entry.ipAddresses = [...new Set([...entry.ipAddresses, ...n.ipAddresses])];
    else merged.set(key, { fqdn: n.fqdn, ipAddresses: [...new Set(n.ipAddresses)] });
  }
  return [...merged.values()];
}

export interface NameSources {
  /** Each NIC IP configuration's `privateLinkConnectionProperties.fqdns` with its `privateIPAddress`. */
  networkInterface: EndpointDnsName[];
  /** The zone group(s), when they were read. */
  zoneGroups: ObservedZoneGroup[];
  customDnsConfigs: EndpointDnsName[];
}

/**
 * The names an endpoint publishes. In Azure an endpoint with a zone group has an empty `customDnsConfigs`: its names
 * live on its network interface. So the NIC comes first, then the zone group's record sets, then `customDnsConfigs`;
 * the first source with any name is the answer, whole (sources are never mixed).
 */
export function publishedNames(sources: NameSources): { names: EndpointDnsName[]; from?: NamesSource } {
  const candidates: Array<[NamesSource, EndpointDnsName[]]> = [
    ['networkInterface', mergeNames(sources.networkInterface)],
    ['zoneGroup', zoneGroupNames(sources.zoneGroups)],
    ['customDnsConfigs', mergeNames(sources.customDnsConfigs)],
  ];
  const found = candidates.find(([, names]) => names.length > 0);
  return found ? { names: found[1], from: found[0] } : { names: [] };
}

/** One name the endpoint publishes, placed in the zone whose A record must resolve it. */
export interface DesiredName {
  fqdn: string;
  ipAddresses: string[];
  zoneName: string;
  zoneId: string;
  recordName: string;
}

export type EndpointResolution =
  | { kind: 'unsupported'; reasons: string[] }
  | { kind: 'tooManyZones'; zones: string[] }
  /** Provisioning failed: the owner must fix or recreate the endpoint; no retry helps. */
  | { kind: 'failed'; reason: string }
  /** Still provisioning, or no names published yet: nothing can be judged. */
  | { kind: 'notReady'; reason: string }
  | { kind: 'ok'; zones: Array<{ name: string; id: string }>; names: DesiredName[]; unplaced: string[] };

/**
 * The zones an endpoint needs (from each connection's target type and groupIds; regional zones use the endpoint's
 * region) and where each of its names goes. Any connection we cannot place makes the endpoint Unsupported: a zone
 * group written for half of an endpoint would look complete and be wrong.
 */
export function resolveEndpoint(endpoint: ObservedEndpoint, config: ZonesLocation): EndpointResolution {
  if (endpoint.provisioningState === 'Failed') return { kind: 'failed', reason: 'the endpoint\'s provisioning failed (provisioningState Failed): fix or recreate it' };
  if (endpoint.provisioningState && endpoint.provisioningState !== 'Succeeded') {
    return { kind: 'notReady', reason: `the endpoint is ${endpoint.provisioningState}` };
  }
  const reasons: string[] = [];
  const zones: string[] = [];
  for (const c of endpoint.connections) {
    if (c.groupIds.length === 0) reasons.push(`connection ${c.name} to ${c.targetId} names no groupId`);
    for (const groupId of c.groupIds) {
      const resolved = zonesForConnection(c.targetId, groupId, endpoint.location);
      if (resolved.kind === 'unsupported') reasons.push(resolved.reason);
      else for (const z of resolved.zones) if (!zones.includes(z)) zones.push(z);
    }
  }
  if (endpoint.connections.length === 0) reasons.push('the endpoint has no private link connection');
  if (reasons.length) return { kind: 'unsupported', reasons };
  if (zones.length > MAX_ZONE_CONFIGS_PER_GROUP) return { kind: 'tooManyZones', zones };
  if (endpoint.dnsNames.length === 0) {
    return {
      kind: 'notReady',
      reason: endpoint.networkInterfaceIds.length === 0
        ? 'the endpoint has no network interface yet and publishes no names'
        : 'the endpoint publishes no names yet (none on its network interface, its zone group or customDnsConfigs)',
    };
  }
  const names: DesiredName[] = [];
  const unplaced: string[] = [];
  for (const n of endpoint.dnsNames) {
    const placed = zones
      .map((zoneName) => ({ zoneName, recordName: recordNameIn(n.fqdn, zoneName) }))
      .filter((p): p is { zoneName: string; recordName: string } => p.recordName !== undefined)
      // The most specific zone wins (privatelink.westeurope.azmk8s.io over a shorter suffix).
      .sort((a, b) => b.zoneName.length - a.zoneName.length)[0];
    if (!placed) unplaced.push(n.fqdn.toLowerCase());
    else names.push({ fqdn: n.fqdn.toLowerCase(), ipAddresses: [...n.ipAddresses].sort(), zoneName: placed.zoneName, zoneId: zoneIdFor(config, placed.zoneName), recordName: placed.recordName });
  }
  return { kind: 'ok', zones: zones.map((name) => ({ name, id: zoneIdFor(config, name) })), names, unplaced };
}

const sameIps = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().every((ip, i) => ip === [...b].sort()[i]);

/** Who holds a name in the central zones: the control plane's arbitration record for one FQDN. */
export interface NameClaim {
  fqdn: string;
  ownerId: string;
  ipAddresses: string[];
  /** When the owner was first seen by the control plane (ISO 8601); decides `newest-wins`. */
  ownerSince: string;
}

export type NameVerdict =
  /** The name is (or becomes) this endpoint's: claim it and make its record point at the endpoint. */
  | { kind: 'mine'; claim: 'keep' | 'take'; reason: string }
  /** Another live endpoint (or a record we did not make) holds it: leave the record alone and report. */
  | { kind: 'conflict'; ownerId?: string; ownerIps: string[]; reason: string };

export interface NameFacts {
  name: DesiredName;
  endpointId: string;
  /** When this endpoint was first seen (ISO 8601). */
  firstSeen: string;
  claim: NameClaim | null;
  /** Only read when the claim is someone else's: does that endpoint still exist and publish this name? */
  ownerAlive?: boolean;
  record: ObservedRecordSet | null;
  policy: PrivateDnsConfig['conflicts'];
}

/**
 * Decides who holds a name. The claim arbitrates, so two endpoints never take turns: the holder keeps it while it
 * lives, unless `newest-wins` and the challenger was first seen later. Without a live claim the record decides:
 * absent or already ours -> take; pointing at other IPs -> a conflict (a record we never made), or taken under
 * `newest-wins`.
 */
export function judgeName(f: NameFacts): NameVerdict {
  const mine = resourceKey(f.endpointId);
  const { record, claim } = f;
  if (claim && resourceKey(claim.ownerId) === mine) return { kind: 'mine', claim: 'keep', reason: 'claimed by this endpoint' };
  if (claim && f.ownerAlive) {
    if (f.policy === 'newest-wins' && Date.parse(f.firstSeen) > Date.parse(claim.ownerSince)) {
      return { kind: 'mine', claim: 'take', reason: `newest wins: this endpoint (first seen ${f.firstSeen}) is newer than ${claim.ownerId} (${claim.ownerSince})` };
    }
    return {
      kind: 'conflict',
      ownerId: claim.ownerId,
      ownerIps: claim.ipAddresses,
      reason: `${f.name.fqdn} is registered for endpoint ${claim.ownerId} (${claim.ipAddresses.join(', ')}), which still exists` +
        (f.policy === 'newest-wins' ? ' and is newer' : ''),
    };
  }
  if (!record || record.ipAddresses.length === 0 || sameIps(record.ipAddresses, f.name.ipAddresses)) {
    return { kind: 'mine', claim: 'take', reason: record ? 'the record already points at this endpoint' : 'no record yet' };
  }
  if (claim && sameIps(record.ipAddresses, claim.ipAddresses)) {
    return { kind: 'mine', claim: 'take', reason: `the record points at ${claim.ownerId}, which no longer publishes this name` };
  }
  if (f.policy === 'newest-wins') return { kind: 'mine', claim: 'take', reason: `newest wins over a record this control plane did not make (${record.ipAddresses.join(', ')})` };
  return {
    kind: 'conflict',
    ownerIps: record.ipAddresses,
    reason: `${f.name.fqdn} already resolves to ${record.ipAddresses.join(', ')}${record.creator ? ` (${record.creator})` : ''}, a record this control plane did not make`,
  };
}

export type ZoneGroupPlan =
  | { kind: 'none' }
  | { kind: 'put'; groupName: string; zoneIds: string[]; action: 'create' | 'update' | 'replace' | 'repair'; reason: string }
  | { kind: 'foreign'; group: ObservedZoneGroup; reason: string };

const keys = (ids: readonly string[]): string[] => [...new Set(ids.map(resourceKey))].sort();

export interface ZoneGroupFacts {
  groups: ObservedZoneGroup[];
  /** Zones the group must hold: the endpoint's zones less those whose names another endpoint holds. */
  wanted: string[];
  /** Zones of names another endpoint holds: tolerated in an existing group (removing them deletes the holder's record). */
  lost: string[];
  /** Names this endpoint holds whose records are missing or point elsewhere. */
  staleRecords: string[];
  config: Pick<PrivateDnsConfig, 'zoneGroupName' | 'foreignZoneGroups'>;
}

/**
 * What to write to the zone group. A group with exactly the wanted zones (plus tolerated lost ones) is left alone,
 * whatever its name; one with other zones is ours to update when it carries our name, otherwise foreign: reported,
 * or replaced (same name, since Azure allows one group per endpoint) when config says so. A right group whose
 * records are missing or wrong is written again: Azure rewrites the records on every zone group PUT.
 */
export function planZoneGroup(f: ZoneGroupFacts): ZoneGroupPlan {
  const wanted = keys(f.wanted);
  const lost = new Set(keys(f.lost));
  const group = f.groups[0];
  if (!group) {
    if (wanted.length === 0) return { kind: 'none' };
    return { kind: 'put', groupName: f.config.zoneGroupName, zoneIds: f.wanted, action: 'create', reason: `register the endpoint in ${f.wanted.map(zoneNameOf).join(', ')}` };
  }
  const has = keys(group.configs.map((c) => c.zoneId));
  const acceptable = wanted.every((z) => has.includes(z)) && has.every((z) => wanted.includes(z) || lost.has(z));
  if (acceptable) {
    if (f.staleRecords.length === 0 || wanted.length === 0) return { kind: 'none' };
    return { kind: 'put', groupName: group.name, zoneIds: f.wanted, action: 'repair', reason: `records of ${f.staleRecords.join(', ')} are missing or point elsewhere; writing the zone group again makes Azure rewrite them` };
  }
  const ours = group.name.toLowerCase() === f.config.zoneGroupName.toLowerCase();
  const missing = wanted.filter((z) => !has.includes(z)).map(zoneNameOf);
  const extra = has.filter((z) => !wanted.includes(z) && !lost.has(z)).map(zoneNameOf);
  const diff = [missing.length ? `lacks ${missing.join(', ')}` : '', extra.length ? `points at ${extra.join(', ')}` : ''].filter(Boolean).join(' and ');
  if (ours) {
    if (wanted.length === 0) return { kind: 'none' };
    return { kind: 'put', groupName: group.name, zoneIds: f.wanted, action: 'update', reason: `zone group ${group.name} ${diff}` };
  }
  if (f.config.foreignZoneGroups === 'replace' && wanted.length > 0) {
    return { kind: 'put', groupName: group.name, zoneIds: f.wanted, action: 'replace', reason: `zone group ${group.name} (not made by this control plane) ${diff}; foreignZoneGroups is replace` };
  }
  return { kind: 'foreign', group, reason: `zone group ${group.name} (not made by this control plane, e.g. by a policy) ${diff}` };
}

/** The names whose A record does not exist or does not point at exactly the endpoint's IPs. */
export function staleRecords(names: ReadonlyArray<Pick<DesiredName, 'fqdn' | 'ipAddresses'>>, records: ReadonlyMap<string, ObservedRecordSet | null>): string[] {
  return names.filter((n) => {
    const r = records.get(n.fqdn);
    return !r || !sameIps(r.ipAddresses, n.ipAddresses);
  }).map((n) => n.fqdn);
}

/**
 * Whether a zone exists, as the reads of its A records showed (RecordRead.zone): false when one found the zone
 * missing, true when one found it there, undefined when none says (no name falls in it, or no answer told): then
 * the zone itself must be read.
 */
export function zoneShownBy(reads: readonly RecordRead[]): boolean | undefined {
  if (reads.some((r) => r.zone === 'missing')) return false;
  if (reads.some((r) => r.zone === 'exists')) return true;
  return undefined;
}

/**
 * The names whose records a zone group write's own answer (the SDK's GET once the operation is done) does not show
 * written: the group must have Succeeded and hold, in the name's zone, a record set of the name with exactly the
 * name's IPs. Azure fills `recordSets[]` as it writes the records into the zones (AZURE-FACTS), so a name shown there
 * needs no record GET to verify; the others are read.
 */
export function namesNotShownIn<N extends Pick<DesiredName, 'fqdn' | 'zoneId' | 'recordName' | 'ipAddresses'>>(group: ObservedZoneGroup | undefined, names: readonly N[]): N[] {
  if (group?.provisioningState !== 'Succeeded') return [...names];
  return names.filter((n) => {
    const config = group.configs.find((c) => resourceKey(c.zoneId) === resourceKey(n.zoneId));
    const shown = config?.recordSets.find((r) => r.recordSetName.toLowerCase() === n.recordName.toLowerCase());
    return !shown || !sameIps(shown.ipAddresses, n.ipAddresses);
  });
}

export { sameIps };
