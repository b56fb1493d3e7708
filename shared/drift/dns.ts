/**
 * The DNS detector's comparison, pure: the endpoints ARM listed (joined to their NICs), the central zones with their
 * links and A record sets, the endpoints' records and the name claims in; drift candidates out. Where each name goes
 * is the flow's own spec (resolveEndpoint): no second definition.
 */
import { parseResourceId, resourceKey, sameResource } from '../azure/resource-id';
import type { ControlPlaneConfig, PrivateDnsConfig } from '../config';
import type { ObservedEndpoint, ObservedRecordSet } from '../dns/model';
import { resolveEndpoint, sameIps, zoneNameOf } from '../dns/spec';
import type { ManagedRecord } from '../store/records';
import type { DriftCandidate } from './model';

export interface ListedZone {
  zoneId: string;
  /** VNets the zone is linked to. */
  links: string[];
  aRecords: ObservedRecordSet[];
}

export interface DnsFacts {
  endpoints: readonly ObservedEndpoint[];
  /** Subscriptions whose endpoint listing succeeded (lower case). */
  listedSubscriptions: ReadonlySet<string>;
  /** True when every watched subscription was listed: only then is an IP "of no existing endpoint". */
  allSubscriptionsListed: boolean;
  /** The central zones whose links and records were listed. */
  zones: readonly ListedZone[];
  records: readonly ManagedRecord[];
  claims: readonly ManagedRecord[];
}

const subscriptionOf = (id: string): string | undefined => {
  try {
    return parseResourceId(id).subscriptionId.toLowerCase();
  } catch {
    return undefined;
  }
};

const reconcile = (id: string): DriftCandidate['repair'] => ({ kind: 'reconcile', owner: { kind: 'endpoint', id } });

export const fqdnOf = (zoneId: string, recordName: string): string => (recordName === '@' ? zoneNameOf(zoneId) : `${recordName}.${zoneNameOf(zoneId)}`).toLowerCase();

/** One recorded, converged endpoint against the listed zones: a missing or wrong A record is drift. */
export function compareEndpoint(endpoint: ObservedEndpoint, config: Pick<PrivateDnsConfig, 'zonesSubscriptionId' | 'zonesResourceGroup'>, zones: ReadonlyMap<string, ListedZone>): DriftCandidate[] {
  const resolution = resolveEndpoint(endpoint, config);
  if (resolution.kind !== 'ok') return [];
  const out: DriftCandidate[] = [];
  for (const name of resolution.names) {
    const zone = zones.get(resourceKey(name.zoneId));
    if (!zone) continue; // zone not listed (missing, or its listing failed): not judged here
    const record = zone.aRecords.find((r) => r.name.toLowerCase() === name.recordName.toLowerCase());
    const expected = `A ${name.fqdn} -> ${name.ipAddresses.join(', ')} (zone group of ${endpoint.name})`;
    const check = { zoneId: name.zoneId, recordName: name.recordName };
    if (!record) out.push({ flow: 'dns', kind: 'missingRecord', resource: endpoint.id, expected, actual: `no A record ${name.recordName} in ${name.zoneName}`, check, repair: reconcile(endpoint.id) });
    else if (!sameIps(record.ipAddresses, name.ipAddresses)) {
      out.push({ flow: 'dns', kind: 'wrongRecord', resource: endpoint.id, expected, actual: `A ${name.fqdn} -> ${record.ipAddresses.join(', ') || 'no IPs'}`, check, repair: reconcile(endpoint.id) });
    }
  }
  return out;
}

export function compareDns(config: Pick<ControlPlaneConfig, 'hubs'> & { privateDns: PrivateDnsConfig }, facts: DnsFacts): DriftCandidate[] {
  const out: DriftCandidate[] = [];
  const zones = new Map(facts.zones.map((z) => [resourceKey(z.zoneId), z]));
  const listed = new Map(facts.endpoints.map((e) => [resourceKey(e.id), e]));
  const recorded = new Map(facts.records.map((r) => [resourceKey(r.resourceId), r]));
  const inListedSubscription = (id: string) => {
    const sub = subscriptionOf(id);
    return sub !== undefined && facts.listedSubscriptions.has(sub);
  };

  for (const endpoint of listed.values()) {
    const record = recorded.get(resourceKey(endpoint.id));
    if (!record || record.condition.reason === 'Deleted') {
      out.push({ flow: 'dns', kind: 'unrecordedEndpoint', resource: endpoint.id, expected: 'a record of this private endpoint', actual: record ? 'its record says Deleted' : 'no record', repair: reconcile(endpoint.id) });
      continue;
    }
    // Only an endpoint the flow says is registered can have drifted; others carry their own condition (Conflict, ...).
    if (record.condition.status === 'True') out.push(...compareEndpoint(endpoint, config.privateDns, zones));
  }

  for (const record of facts.records) {
    if (record.condition.reason === 'Deleted' || !inListedSubscription(record.resourceId) || listed.has(resourceKey(record.resourceId))) continue;
    out.push({ flow: 'dns', kind: 'goneResource', resource: record.resourceId, expected: 'the private endpoint exists, or its record says Deleted', actual: `the endpoint is gone; its record says ${record.condition.reason}`, repair: reconcile(record.resourceId) });
  }

  // A claim names the public FQDN; where its A record lives is in its details (zoneId, recordName).
  const claimKey = (zoneId: string, recordName: string) => `${resourceKey(zoneId)}|${recordName.toLowerCase()}`;
  const claimsByRecord = new Map<string, ManagedRecord>();
  for (const claim of facts.claims) {
    const { zoneId, recordName } = claim.details as { zoneId?: unknown; recordName?: unknown };
    if (typeof zoneId === 'string' && typeof recordName === 'string') claimsByRecord.set(claimKey(zoneId, recordName), claim);
    const owner = typeof claim.details.ownerId === 'string' ? claim.details.ownerId : undefined;
    if (!owner || !inListedSubscription(owner) || listed.has(resourceKey(owner))) continue;
    out.push({ flow: 'dns', kind: 'claimOfGoneEndpoint', resource: claim.resourceId, expected: `the name is claimed by an existing endpoint`, actual: `claimed by ${owner}, which is gone`, repair: reconcile(owner) });
  }

  const liveIps = new Set<string>();
  for (const e of facts.endpoints) for (const n of e.dnsNames) for (const ip of n.ipAddresses) liveIps.add(ip);
  for (const zone of facts.zones) {
    for (const hub of config.hubs) {
      if (!zone.links.some((v) => sameResource(v, hub.vnetId))) {
        out.push({
          flow: 'dns',
          kind: 'zoneMissingHubLink',
          resource: zone.zoneId,
          expected: `a virtual network link to hub ${hub.name} (${hub.vnetId})`,
          actual: 'no link: names in the zone do not resolve from that hub',
          check: { zoneId: zone.zoneId, hubVnetId: hub.vnetId },
          repair: { kind: 'none', why: 'the DNS flow links a zone only when it creates it: add the link (link-<hub>) by hand' },
        });
      }
    }
    if (!facts.allSubscriptionsListed) continue;
    for (const record of zone.aRecords) {
      if (record.ipAddresses.some((ip) => liveIps.has(ip))) continue;
      const fqdn = fqdnOf(zone.zoneId, record.name);
      const claim = claimsByRecord.get(claimKey(zone.zoneId, record.name));
      const owner = claim && typeof claim.details.ownerId === 'string' ? claim.details.ownerId : undefined;
      out.push({
        flow: 'dns',
        kind: 'orphanRecord',
        resource: `${zone.zoneId}/A/${record.name}`,
        expected: `no A record ${fqdn} (no existing endpoint has ${record.ipAddresses.join(', ') || 'its IPs'})`,
        actual: `A ${fqdn} -> ${record.ipAddresses.join(', ') || 'no IPs'}${record.creator ? ` (${record.creator})` : ''}`,
        orphan: true,
        check: { zoneId: zone.zoneId, recordName: record.name },
        repair: owner ? reconcile(owner) : { kind: 'removeOrphan', removal: { target: 'dnsRecord', zoneId: zone.zoneId, recordName: record.name, ipAddresses: record.ipAddresses }, why: 'no claim names an endpoint whose orchestration would remove it' },
      });
    }
  }
  return out;
}
