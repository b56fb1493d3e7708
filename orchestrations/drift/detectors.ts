/**
 * One detector per flow. `find` lists (cost grows with subscriptions, hubs, zones, policies and origin groups, not
 * with resources) and compares through the flow's own pure spec (shared/drift/*); `confirm` reads one candidate
 * again with a direct GET (lists can be stale) and answers whether it still differs. Detectors never write: repairs
 * are signals to the resource's own orchestration (activities.ts).
 */
import { resourceKey, sameResource } from '../../shared/azure/resource-id';
import { classifyArmError } from '../../shared/azure/errors';
import type { ControlPlaneConfig } from '../../shared/config';
import type { DnsPort } from '../../shared/dns/ports';
import { compareDns, compareEndpoint, type ListedZone } from '../../shared/drift/dns';
import { compareEgress, compareStamps, type ObservedGroupOrigins } from '../../shared/drift/egress-stamps';
import type { DriftCandidate, DriftFlow } from '../../shared/drift/model';
import { comparePeering, compareSpoke } from '../../shared/drift/peering';
import type { FirewallPort } from '../../shared/egress/ports';
import { isOwnGroup, type GroupContent } from '../../shared/egress/spec';
import type { ObservedVnet } from '../../shared/peering/model';
import type { NetworkPort } from '../../shared/peering/ports';
import { selectSpoke } from '../../shared/peering/selection';
import { originGroups } from '../../shared/stamps/config';
import type { FrontDoorPort } from '../../shared/stamps/ports';
import type { RecordStore } from '../../shared/store/records';
import { readOrAbsent } from '../common/requests';

export interface DetectorPorts {
  config: ControlPlaneConfig;
  network: NetworkPort;
  dns: DnsPort;
  firewall: FirewallPort;
  frontDoor: FrontDoorPort;
  store: RecordStore;
  now: number;
}

export interface Found {
  candidates: DriftCandidate[];
  inspected: Record<string, number>;
  notInspected: Array<{ scope: string; error: string }>;
}

export interface Detector {
  enabled(config: ControlPlaneConfig): boolean;
  find(ports: DetectorPorts): Promise<Found>;
  /** The candidate as a direct read shows it now, or null when it no longer differs. */
  confirm(candidate: DriftCandidate, ports: DetectorPorts): Promise<DriftCandidate | null>;
}

const why = (e: unknown): string => {
  const c = classifyArmError(e);
  return `${c.code}: ${c.message}`;
};

/** Runs `list` for each scope; a failing scope is noted and the others go on. */
async function eachScope<T>(scopes: readonly string[], list: (scope: string) => Promise<T>, notInspected: Found['notInspected']): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (const scope of scopes) {
    try {
      out.set(scope, await list(scope));
    } catch (e) {
      notInspected.push({ scope, error: why(e) });
    }
  }
  return out;
}

/** The hubs, read with one GET each (a hub in a listed subscription is taken from the listing instead). */
async function readHubs(ports: DetectorPorts, listed: readonly ObservedVnet[], notInspected: Found['notInspected']): Promise<Map<string, ObservedVnet | null>> {
  const hubs = new Map<string, ObservedVnet | null>();
  for (const hub of ports.config.hubs) {
    const fromList = listed.find((v) => sameResource(v.id, hub.vnetId));
    if (fromList) {
      hubs.set(resourceKey(hub.vnetId), fromList);
      continue;
    }
    try {
      hubs.set(resourceKey(hub.vnetId), await readOrAbsent(() => ports.network.getVnet(hub.vnetId)));
    } catch (e) {
      notInspected.push({ scope: `hub ${hub.name}`, error: why(e) });
    }
  }
  return hubs;
}

const peering: Detector = {
  enabled: () => true,
  async find(ports) {
    const notInspected: Found['notInspected'] = [];
    const lists = await eachScope(ports.config.watchedSubscriptions, (s) => ports.network.listVnets(s), notInspected);
    const vnets = [...lists.values()].flat();
    const hubs = await readHubs(ports, vnets, notInspected);
    const records = await ports.store.listRecords('spoke');
    const candidates = comparePeering(ports.config, { vnets, listedSubscriptions: new Set(lists.keys()), hubs, records });
    return { candidates, inspected: { subscriptions: lists.size, vnets: vnets.length, hubs: [...hubs.values()].filter(Boolean).length, records: records.length }, notInspected };
  },
  async confirm(candidate, ports) {
    const { config, network } = ports;
    if (candidate.kind === 'orphanPeering') {
      const check = candidate.check ?? {};
      const hubPeering = await readOrAbsent(() => network.getPeering(check.hubVnetId ?? '', check.name ?? ''));
      if (!hubPeering) return null;
      const remote = await readOrAbsent(() => network.getVnet(check.remoteVnetId ?? ''));
      if (!remote) return candidate.repair.kind === 'reconcile' ? candidate : { ...candidate, actual: 'its remote VNet no longer exists' };
      const hub = await readOrAbsent(() => network.getVnet(check.hubVnetId ?? ''));
      if (!hub) return null;
      const again = comparePeering(config, { vnets: [remote], listedSubscriptions: new Set(config.watchedSubscriptions), hubs: new Map([[resourceKey(hub.id), { ...hub, peerings: [hubPeering] }]]), records: [] });
      return again.find((c) => c.kind === 'orphanPeering') ?? null;
    }
    const vnet = await readOrAbsent(() => network.getVnet(candidate.resource));
    if (candidate.kind === 'goneResource') return vnet ? null : candidate;
    if (!vnet) return null; // gone since the listing: the next run reports its record
    if (candidate.kind === 'unrecordedSpoke') {
      const record = await ports.store.getRecord('spoke', candidate.resource);
      return record && record.condition.reason !== 'Deleted' ? null : candidate;
    }
    // Only the spoke's own hub is read again (one GET), not every hub.
    const selection = selectSpoke(config, vnet);
    if (selection.kind !== 'spoke') return null;
    const hub = await readOrAbsent(() => network.getVnet(selection.hub.vnetId));
    return compareSpoke(config, vnet, new Map([[resourceKey(selection.hub.vnetId), hub]])).find((c) => c.kind === candidate.kind) ?? null;
  },
};

const dns: Detector = {
  enabled: (config) => config.privateDns !== undefined,
  async find(ports): Promise<Found> {
    const privateDns = ports.config.privateDns;
    if (!privateDns) return { candidates: [], inspected: {}, notInspected: [] };
    const notInspected: Found['notInspected'] = [];
    const lists = await eachScope(ports.config.watchedSubscriptions, (s) => ports.dns.listEndpoints(s), notInspected);
    const endpoints = [...lists.values()].flat();
    const zones: ListedZone[] = [];
    let zoneIds: string[] = [];
    try {
      zoneIds = (await ports.dns.listZones(privateDns.zonesSubscriptionId, privateDns.zonesResourceGroup)).filter((id) => /\/privatednszones\/privatelink\./i.test(id));
    } catch (e) {
      notInspected.push({ scope: `zones of ${privateDns.zonesResourceGroup}`, error: why(e) });
    }
    for (const zoneId of zoneIds) {
      try {
        const [links, aRecords] = await Promise.all([ports.dns.listZoneLinks(zoneId), ports.dns.listARecords(zoneId)]);
        zones.push({ zoneId, links, aRecords });
      } catch (e) {
        notInspected.push({ scope: `zone ${zoneId}`, error: why(e) });
      }
    }
    const [records, claims] = await Promise.all([ports.store.listRecords('endpoint'), ports.store.listRecords('dnsName')]);
    const candidates = compareDns({ hubs: ports.config.hubs, privateDns }, {
      endpoints,
      listedSubscriptions: new Set(lists.keys()),
      allSubscriptionsListed: lists.size === ports.config.watchedSubscriptions.length,
      zones,
      records,
      claims,
    });
    return {
      candidates,
      inspected: { subscriptions: lists.size, endpoints: endpoints.length, zones: zones.length, records: zones.reduce((n, z) => n + z.aRecords.length, 0), claims: claims.length },
      notInspected,
    };
  },
  async confirm(candidate, ports) {
    const check = candidate.check ?? {};
    switch (candidate.kind) {
      case 'missingRecord':
      case 'wrongRecord': {
        const endpoint = await ports.dns.getEndpoint(candidate.resource);
        if (!endpoint) return null;
        const record = await ports.dns.getARecord(check.zoneId ?? '', check.recordName ?? '');
        const privateDns = ports.config.privateDns;
        if (!privateDns) return null;
        const zone: ListedZone = { zoneId: check.zoneId ?? '', links: [], aRecords: record ? [record] : [] };
        return compareEndpoint(endpoint, privateDns, new Map([[resourceKey(zone.zoneId), zone]])).find((c) => c.check?.recordName === check.recordName) ?? null;
      }
      case 'unrecordedEndpoint': {
        if (!(await ports.dns.getEndpoint(candidate.resource))) return null;
        const record = await ports.store.getRecord('endpoint', candidate.resource);
        return record && record.condition.reason !== 'Deleted' ? null : candidate;
      }
      case 'goneResource':
        return (await readOrAbsent(() => ports.dns.getEndpoint(candidate.resource))) ? null : candidate;
      case 'claimOfGoneEndpoint':
        return candidate.repair.kind === 'reconcile' && (await readOrAbsent(() => ports.dns.getEndpoint(candidate.repair.kind === 'reconcile' ? candidate.repair.owner.id : ''))) ? null : candidate;
      case 'orphanRecord': {
        const record = await ports.dns.getARecord(check.zoneId ?? '', check.recordName ?? '');
        return record ? candidate : null;
      }
      case 'zoneMissingHubLink': {
        const links = await ports.dns.listZoneLinks(check.zoneId ?? '');
        return links.some((v) => sameResource(v, check.hubVnetId ?? '')) ? null : candidate;
      }
      default:
        return candidate;
    }
  },
};

async function listPolicies(ports: DetectorPorts, notInspected: Found['notInspected']): Promise<Map<string, GroupContent[]>> {
  const egress = ports.config.egress;
  if (!egress) return new Map();
  const base = egress.ruleCollectionGroup.name;
  return eachScope(egress.firewallPolicies.map((p) => p.policyId), (policyId) => ports.firewall.listGroups(policyId, (name) => isOwnGroup(base, name)), notInspected);
}

const egress: Detector = {
  enabled: (config) => config.egress !== undefined,
  async find(ports) {
    const notInspected: Found['notInspected'] = [];
    const policies = await listPolicies(ports, notInspected);
    const records = await ports.store.listRecords('egressRequest');
    const candidates = compareEgress({ policies, records, now: ports.now });
    return { candidates, inspected: { policies: policies.size, groups: [...policies.values()].reduce((n, g) => n + g.length, 0), requests: records.length }, notInspected };
  },
  async confirm(candidate, ports) {
    const policyId = candidate.check?.policyId;
    if (!policyId) return candidate;
    const egressConfig = ports.config.egress;
    if (!egressConfig) return null;
    const groups = await ports.firewall.listGroups(policyId, (name) => isOwnGroup(egressConfig.ruleCollectionGroup.name, name));
    const record = candidate.check?.requestId ? await ports.store.getRecord('egressRequest', candidate.check.requestId) : null;
    const records = record ? [record] : await ports.store.listRecords('egressRequest');
    return compareEgress({ policies: new Map([[policyId, groups]]), records, now: ports.now }).find((c) => c.kind === candidate.kind && c.resource === candidate.resource) ?? null;
  },
};

async function readOriginGroups(ports: DetectorPorts, keys: ReadonlySet<string> | undefined, notInspected: Found['notInspected']): Promise<ObservedGroupOrigins[]> {
  const stamps = ports.config.stamps;
  if (!stamps) return [];
  const out: ObservedGroupOrigins[] = [];
  for (const group of originGroups(stamps)) {
    if (keys && !keys.has(group.key)) continue;
    try {
      out.push({ group, origins: await ports.frontDoor.readGroup({ kind: group.kind, profileId: group.frontDoorId, group: group.group }) });
    } catch (e) {
      notInspected.push({ scope: `origin group ${group.key}`, error: why(e) });
    }
  }
  return out;
}

const stamps: Detector = {
  enabled: (config) => config.stamps !== undefined,
  async find(ports) {
    const notInspected: Found['notInspected'] = [];
    const groups = await readOriginGroups(ports, undefined, notInspected);
    const records = await ports.store.listRecords('stamp');
    const candidates = compareStamps({ groups, records, now: ports.now });
    return { candidates, inspected: { originGroups: groups.length, origins: groups.reduce((n, g) => n + g.origins.length, 0), stamps: records.length }, notInspected };
  },
  async confirm(candidate, ports) {
    const key = candidate.check?.groupKey;
    if (!key) return candidate;
    const groups = await readOriginGroups(ports, new Set([key]), []);
    const record = await ports.store.getRecord('stamp', candidate.resource);
    return compareStamps({ groups, records: record ? [record] : [], now: ports.now }).find((c) => c.kind === candidate.kind && c.resource === candidate.resource) ?? null;
  },
};

export const DETECTORS: Record<DriftFlow, Detector> = { peering, dns, egress, stamps };
